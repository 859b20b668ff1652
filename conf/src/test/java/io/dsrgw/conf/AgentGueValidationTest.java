package io.dsrgw.conf;

import org.junit.jupiter.api.Test;

import static io.dsrgw.conf.Errors.ag;
import static io.dsrgw.conf.Errors.agentFails;
import static org.junit.jupiter.api.Assertions.assertEquals;

/** Issue 15 agent keys: {@code gue-port} and the {@code gue} tunnel kind. */
class AgentGueValidationTest {

    private static AgentConfig parse(String hocon) throws ConfigException {
        return ConfigLoader.parseAgent(hocon, "t.conf");
    }

    @Test
    void shouldDefaultGuePortToKatransPort() throws ConfigException {
        assertEquals(6080, parse(ag("")).guePort());
        assertEquals(AgentConfig.DEFAULT_GUE_PORT, parse(ag("")).guePort());
    }

    @Test
    void shouldAcceptAnotherGuePort() throws ConfigException {
        assertEquals(5555, parse(ag("gue-port = 5555")).guePort());
    }

    @Test
    void shouldRejectGuePortZeroAndAbove65535() {
        agentFails(ag("gue-port = 0"), "t.conf:4 dsrgw.agent.gue-port: 0 (expected: an integer 1..65535)");
        agentFails(ag("gue-port = 65536"), "t.conf:4 dsrgw.agent.gue-port: 65536 (expected: an integer 1..65535)");
    }
}
