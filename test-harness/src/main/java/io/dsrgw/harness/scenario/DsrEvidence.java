package io.dsrgw.harness.scenario;

import java.util.Map;

import io.dsrgw.harness.netns.LinkCounters;

/**
 * Exact packet counts (nftables, IPv4 only) over one measurement window, showing the direct-return path:
 * client -> router -> gateway -> (IP-in-IP) -> backend, and backend -> router -> client without the gateway.
 *
 * @param clientSentToVip      packets the client sent to the VIP
 * @param clientGotFromVip     packets the client received from the VIP (replies; veth GRO/TSO may merge
 *                             segments, so compare bytes rather than packets across directions)
 * @param clientGotFromVipBytes bytes (IP) the client received from the VIP
 * @param gatewayInClientToVip packets arriving on the gateway's veth from the client to the VIP
 * @param gatewayInFromVip     packets arriving on the gateway's veth with the VIP as source (DSR: must be 0)
 * @param gatewayInIpv4        all IPv4 packets arriving on the gateway's veth
 * @param gatewayInIpv4Bytes   their bytes
 * @param gatewayOutIpip       IP-in-IP packets leaving the gateway's veth (towards backends)
 * @param gatewayOutFromVip    packets leaving the gateway's veth with the VIP as source (must be 0)
 * @param gatewayOutIpv4       all IPv4 packets leaving the gateway's veth
 * @param routerRepliesFromBackends packets from the VIP arriving at the router on the backend bridge
 * @param routerRepliesToClient     packets from the VIP the router sent to the client
 * @param routerFromVipToGateway    packets from the VIP the router sent towards the gateway (must be 0)
 * @param backendIpipIn        IP-in-IP packets from the gateway arriving per backend (by backend name)
 * @param gatewayVeth          kernel counters of the gateway's veth over the window (includes ARP)
 */
public record DsrEvidence(long clientSentToVip, long clientGotFromVip, long clientGotFromVipBytes,
                          long gatewayInClientToVip, long gatewayInFromVip, long gatewayInIpv4,
                          long gatewayInIpv4Bytes, long gatewayOutIpip, long gatewayOutFromVip,
                          long gatewayOutIpv4, long routerRepliesFromBackends, long routerRepliesToClient,
                          long routerFromVipToGateway, Map<String, Long> backendIpipIn, LinkCounters gatewayVeth) {

    /** Sum of {@link #backendIpipIn()}. */
    public long backendIpipInTotal() {
        return backendIpipIn.values().stream().mapToLong(Long::longValue).sum();
    }

    /** A few lines for test output and the demo. */
    public String summary() {
        return String.format("""
                client   : sent %d packets to the VIP, received %d (%d bytes) from the VIP
                gateway  : in  %d client->VIP, %d from the VIP, %d IPv4 (%d bytes) in total (veth rx %d incl. ARP)
                gateway  : out %d IP-in-IP to backends, %d from the VIP, %d IPv4 in total (veth tx %d incl. ARP)
                backends : IP-in-IP in %s
                router   : %d replies from the VIP on the backend bridge, %d to the client, %d towards the gateway""",
                clientSentToVip, clientGotFromVip, clientGotFromVipBytes, gatewayInClientToVip, gatewayInFromVip,
                gatewayInIpv4, gatewayInIpv4Bytes, gatewayVeth.rxPackets(), gatewayOutIpip, gatewayOutFromVip,
                gatewayOutIpv4, gatewayVeth.txPackets(),
                backendIpipIn, routerRepliesFromBackends, routerRepliesToClient, routerFromVipToGateway);
    }
}
