package io.dsrgw.agent.state;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Reads and writes the agent state file. The format is JSON (which is also valid HOCON, hence the
 * {@code .conf} default name):
 * <pre>
 * {
 *   "version" : 1,
 *   "addresses" : [ { "device" : "lo", "address" : "10.100.0.1", "prefixLength" : 32, "label" : "lo:dsrvip" } ],
 *   "devices" : [ { "name" : "dsrdecap0", "kind" : "tun" } ],
 *   "sysctls" : { "net.ipv4.conf.all.arp_ignore" : "0" },         // value BEFORE the agent first wrote it
 *   "fouPorts" : [ { "port" : 6080, "family" : 4 } ]                // GUE receive ports (kernel mode); optional
 * }
 * </pre>
 * Writes are atomic: a temporary file in the same directory is written, fsync'ed and renamed over
 * the old file, so a crash leaves either the old or the new state, never a torn one.
 */
public final class StateFile {
    /** Format version written into every file; a file with another version is refused. */
    public static final int VERSION = 1;

    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private StateFile() {
    }

    /**
     * Loads the state file.
     *
     * @return the state, or empty when the file does not exist
     * @throws IOException unreadable or malformed file, with the path and the problem in the message
     */
    public static Optional<AgentState> load(Path file) throws IOException {
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(file);
        } catch (NoSuchFileException e) {
            return Optional.empty();
        }
        return Optional.of(parse(new String(bytes, StandardCharsets.UTF_8), file.toString()));
    }

    /** Parses state file text; {@code origin} names the file in error messages. */
    public static AgentState parse(String text, String origin) throws IOException {
        JsonNode root;
        try {
            root = JSON.readTree(text);
        } catch (JsonProcessingException e) {
            throw new IOException("state file " + origin + ": not valid JSON: " + e.getOriginalMessage()
                    + " (line " + e.getLocation().getLineNr() + ")", e);
        }
        if (root == null || !root.isObject()) {
            throw bad(origin, "root", "a JSON object");
        }
        JsonNode version = root.get("version");
        if (version == null || !version.isInt() || version.intValue() != VERSION) {
            throw bad(origin, "version", "" + VERSION + " (found " + version + ")");
        }
        List<AgentState.Address> addresses = new ArrayList<>();
        for (JsonNode a : array(root, "addresses", origin)) {
            String device = text(a, "device", origin);
            String address = text(a, "address", origin);
            try {
                java.net.InetAddress.ofLiteral(address);
            } catch (IllegalArgumentException e) {
                throw bad(origin, "addresses[].address", "an IP literal (found \"" + address + "\")");
            }
            JsonNode prefix = a.get("prefixLength");
            if (prefix == null || !prefix.isInt() || prefix.intValue() < 0 || prefix.intValue() > 128) {
                throw bad(origin, "addresses[].prefixLength", "an integer 0..128 (found " + prefix + ")");
            }
            JsonNode label = a.get("label");
            addresses.add(new AgentState.Address(device, address, prefix.intValue(),
                    label == null || label.isNull() ? null : label.asText()));
        }
        List<AgentState.Device> devices = new ArrayList<>();
        for (JsonNode d : array(root, "devices", origin)) {
            devices.add(new AgentState.Device(text(d, "name", origin), text(d, "kind", origin)));
        }
        Map<String, String> sysctls = new LinkedHashMap<>();
        JsonNode s = root.get("sysctls");
        if (s != null) {
            if (!s.isObject()) {
                throw bad(origin, "sysctls", "an object of key -> old value");
            }
            for (Iterator<Map.Entry<String, JsonNode>> it = s.properties().iterator(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> e = it.next();
                if (!e.getValue().isTextual()) {
                    throw bad(origin, "sysctls." + e.getKey(), "a string (found " + e.getValue() + ")");
                }
                sysctls.put(e.getKey(), e.getValue().textValue());
            }
        }
        List<AgentState.FouPort> fouPorts = new ArrayList<>();
        for (JsonNode f : array(root, "fouPorts", origin)) {
            JsonNode port = f.get("port");
            JsonNode family = f.get("family");
            if (port == null || !port.isInt() || port.intValue() < 1 || port.intValue() > 65535) {
                throw bad(origin, "fouPorts[].port", "an integer 1..65535 (found " + port + ")");
            }
            if (family == null || !family.isInt() || (family.intValue() != 4 && family.intValue() != 6)) {
                throw bad(origin, "fouPorts[].family", "4 or 6 (found " + family + ")");
            }
            fouPorts.add(new AgentState.FouPort(port.intValue(), family.intValue()));
        }
        return new AgentState(addresses, devices, sysctls, fouPorts);
    }

    /** Renders the state as the JSON text {@link #save} writes. */
    public static String render(AgentState state) {
        ObjectNode root = JSON.createObjectNode();
        root.put("version", VERSION);
        ArrayNode addresses = root.putArray("addresses");
        for (AgentState.Address a : state.createdAddresses()) {
            ObjectNode n = addresses.addObject();
            n.put("device", a.device());
            n.put("address", a.address());
            n.put("prefixLength", a.prefixLength());
            if (a.label() != null) {
                n.put("label", a.label());
            }
        }
        ArrayNode devices = root.putArray("devices");
        for (AgentState.Device d : state.createdDevices()) {
            devices.addObject().put("name", d.name()).put("kind", d.kind());
        }
        ObjectNode sysctls = root.putObject("sysctls");
        state.sysctlOldValues().forEach(sysctls::put);
        if (!state.createdFouPorts().isEmpty()) {
            ArrayNode fou = root.putArray("fouPorts");
            for (AgentState.FouPort f : state.createdFouPorts()) {
                fou.addObject().put("port", f.port()).put("family", f.family());
            }
        }
        try {
            return JSON.writeValueAsString(root) + "\n";
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot render state: " + e.getMessage(), e);
        }
    }

    /** Writes the state atomically (temp file + fsync + rename), creating the parent directory. */
    public static void save(Path file, AgentState state) throws IOException {
        Path abs = file.toAbsolutePath();
        try {
            write(abs, render(state).getBytes(StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new IOException("state file " + abs + ": cannot write (" + e.getClass().getSimpleName() + ": "
                    + e.getMessage() + ")", e);
        }
    }

    /**
     * Replaces {@code file} atomically with {@code bytes}: a temporary file in the same directory is written,
     * fsync'ed and renamed over it (the directory is created when missing), so readers see the old or the new
     * content, never a torn one. Also used for the drain flag next to the state file.
     */
    public static void writeAtomically(Path file, byte[] bytes) throws IOException {
        write(file.toAbsolutePath(), bytes);
    }

    private static void write(Path abs, byte[] bytes) throws IOException {
        Path dir = abs.getParent();
        Files.createDirectories(dir);
        Path tmp = dir.resolve("." + abs.getFileName() + ".tmp-" + ProcessHandle.current().pid());
        try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING)) {
            ByteBuffer buf = ByteBuffer.wrap(bytes);
            while (buf.hasRemaining()) {
                ch.write(buf);
            }
            ch.force(true);
        }
        try {
            Files.move(tmp, abs, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (AtomicMoveNotSupportedException e) {
            Files.deleteIfExists(tmp);
            throw e;
        }
        // Make the rename itself durable; not every file system lets a directory be opened, so best effort.
        try (FileChannel d = FileChannel.open(dir, StandardOpenOption.READ)) {
            d.force(true);
        } catch (IOException ignored) {
            // the rename is still atomic, only its durability across a power loss is weaker
        }
    }

    /** Deletes the state file; returns false when it did not exist. */
    public static boolean delete(Path file) throws IOException {
        return Files.deleteIfExists(file);
    }

    private static List<JsonNode> array(JsonNode root, String field, String origin) throws IOException {
        JsonNode n = root.get(field);
        if (n == null || n.isNull()) {
            return List.of();
        }
        if (!n.isArray()) {
            throw bad(origin, field, "an array");
        }
        List<JsonNode> out = new ArrayList<>();
        n.forEach(out::add);
        return out;
    }

    private static String text(JsonNode n, String field, String origin) throws IOException {
        JsonNode v = n.get(field);
        if (v == null || !v.isTextual() || v.textValue().isEmpty()) {
            throw bad(origin, field, "a non-empty string (found " + v + ")");
        }
        return v.textValue();
    }

    private static IOException bad(String origin, String path, String expected) {
        return new IOException("state file " + origin + ": " + path + ": malformed (expected: " + expected + ")");
    }
}
