/**
 * libpcap capture files ("pcap", not pcapng): reading and writing, both byte orders, microsecond
 * ({@code 0xa1b2c3d4}) and nanosecond ({@code 0xa1b23c4d}) timestamps, link types RAW (101), ETHERNET (1),
 * IPV4 (228) and IPV6 (229). Used by the gateway's replay mode and by tests; readers and writers are owned by
 * one thread. The file format (all fields in the byte order the magic number reveals):
 * <pre>
 * global header, 24 bytes:                    record header, 16 bytes, then the captured bytes:
 * +----------------------------------+        +----------------------------------+
 * | magic 0xa1b2c3d4 / 0xa1b23c4d    |        | timestamp seconds                |
 * | version major 2  | minor 4       |        | timestamp micro- or nanoseconds  |
 * | thiszone (0)                     |        | captured length                  |
 * | sigfigs (0)                      |        | original length                  |
 * | snaplen                          |        +----------------------------------+
 * | link type                        |
 * +----------------------------------+
 * </pre>
 */
package io.dsrgw.encap.pcap;
