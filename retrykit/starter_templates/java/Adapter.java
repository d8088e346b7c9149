// __ADAPTER_NAME__: an adapter between the job retry conformance kit and your product.
//
// README
//   It speaks the kit's whole protocol (JSON Lines on stdin and stdout; docs/adapter-guide.md and
//   schemas/protocol.schema.json in the kit) and answers "skipped" to every scenario until you complete
//   the one marked place below, where it calls your product.
//
//   Build:     javac Adapter.java          (Java 11 or later, no dependencies: JSON is read and written
//                                           by the small Json class at the end of this file)
//   Run:       java -cp . Adapter
//              It waits for the kit's messages on stdin; try it by hand with the line
//              {"type":"hello","protocol":"1.1","kit":{"name":"me","version":"0"}}
//   Check it:  in the kit's virtual environment: retry-kit check-adapter "java -cp /path/to/folder Adapter"
//              a conversation of a few seconds (handshake, two runs, shutdown) with what to fix;
//              it passes once you declare a chain format and complete the marked place.
//   Judge it:  from the kit's folder, in its virtual environment:
//              pytest features --adapter "java -cp /path/to/folder Adapter" --report-dir reports/__ADAPTER_NAME__
//              As it comes, it declares no capability, so every scenario is "not applicable" and the
//              verdict is "not established": nothing was judged yet.
//
// Write diagnostics to System.err only: every line on System.out must be a protocol message.

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

public final class Adapter {
    static final String NAME = "__ADAPTER_NAME__";
    static final String VERSION = "0.1.0";
    static final String PROTOCOL = "1.1";
    static final int MAX_REASON = 2000;
    static final int MAX_MESSAGE = 10000;

    /** Throw from runScenario to answer "skipped": the product cannot run this scenario. */
    static final class Unsupported extends Exception {
        Unsupported(String reason) {
            super(reason);
        }
    }

    // ============================== YOUR PRODUCT: the one place to complete ==============================
    // CAPABILITIES: what your product can be judged on: "chain:per_machine", "chain:single_file",
    // "trigger:manual", "manual_stop", "job_failure", "custom_retry" (docs/adapter-guide.md, "Capabilities").
    // Add each one only once runScenario handles the scenarios that need it: a scenario that needs a
    // capability you did not declare is "not applicable", never failed, but one you declared and then answer
    // "skipped" keeps the verdict from "yes". Every scenario needs one of the two chain formats, so with none
    // declared nothing is judged.
    static final List<String> CAPABILITIES = List.of();

    /**
     * Run one scenario (schemas/scenario.schema.json) on your product and return what it did, as a trace
     * (schemas/trace.schema.json). Throw Unsupported to answer "skipped"; any other exception answers
     * "error" with its message. JSON values are Map&lt;String, Object&gt; (objects, in their order),
     * List&lt;Object&gt; (arrays), String, Long or BigInteger (integers), BigDecimal (other numbers),
     * Boolean and null; build the trace from the same types (Adapter.object helps).
     */
    static Map<String, Object> runScenario(Map<String, Object> scenario) throws Exception {
        throw new Unsupported(NAME + " is not connected to a product yet: complete runScenario");
    }

    // ============================== END OF YOUR PRODUCT ==============================

    public static void main(String[] args) throws IOException {
        BufferedReader stdin = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        String line;
        while ((line = stdin.readLine()) != null) {
            if (!line.isBlank() && !handle(line)) {
                break;
            }
        }
        System.exit(0); // shutdown or end of input: whatever threads are still running
    }

    /** A JSON object from keys and values in turn: object("type", "error", "seq", 3L). */
    static Map<String, Object> object(Object... keysAndValues) {
        Map<String, Object> map = new LinkedHashMap<>();
        for (int i = 0; i < keysAndValues.length; i += 2) {
            map.put((String) keysAndValues[i], keysAndValues[i + 1]);
        }
        return map;
    }

    static void answer(Map<String, Object> message) {
        send(Json.write(message));
    }

    static void send(String line) {
        System.out.print(line + "\n"); // ASCII only: Json.write escapes every other character
        System.out.flush();
    }

    static String cut(String text, int limit) {
        return text.length() > limit ? text.substring(0, limit) : text;
    }

    /** The message's sequence number when it has one an answer can carry, else null. */
    static Long validSeq(Map<String, Object> message) {
        Object seq = message.get("seq");
        return seq instanceof Long && (Long) seq >= 1 ? (Long) seq : null;
    }

    /** Answer one line; false once the kit says the run is over. */
    @SuppressWarnings("unchecked")
    static boolean handle(String line) {
        Object parsed;
        try {
            parsed = Json.parse(line);
        } catch (Json.Malformed malformed) {
            System.err.println(NAME + ": ignoring a line that is not JSON (" + malformed.getMessage() + "): "
                    + cut(line, 200));
            return true;
        }
        if (!(parsed instanceof Map)) {
            System.err.println(NAME + ": ignoring a line that is not a JSON object: " + cut(line, 200));
            return true;
        }
        Map<String, Object> message = (Map<String, Object>) parsed;
        Object kind = message.get("type");
        Long seq = validSeq(message);
        if ("shutdown".equals(kind)) {
            return false;
        }
        if ("hello".equals(kind)) {
            Map<String, Object> implementation = object("name", NAME, "version", VERSION);
            answer(object("type", "hello", "protocol", PROTOCOL, "implementation", implementation,
                    "capabilities", CAPABILITIES));
        } else if (seq == null) {
            System.err.println(NAME + ": ignoring a " + kind + " message without a valid seq");
        } else if ("run".equals(kind)) {
            run(seq, message);
        } else {
            answer(object("type", "error", "seq", seq, "message", cut("unknown message type: " + kind, MAX_MESSAGE)));
        }
        return true;
    }

    @SuppressWarnings("unchecked")
    static void run(long seq, Map<String, Object> message) {
        Object scenario = message.get("scenario");
        if (!(scenario instanceof Map)) {
            answer(object("type", "error", "seq", seq, "message", "the run message has no scenario object"));
            return;
        }
        String line;
        try {
            Map<String, Object> trace = runScenario((Map<String, Object>) scenario);
            line = Json.write(object("type", "result", "seq", seq, "trace", trace)); // may throw: not JSON
        } catch (Unsupported unsupported) {
            String reason = unsupported.getMessage() == null || unsupported.getMessage().isEmpty()
                    ? "unsupported" : unsupported.getMessage();
            line = Json.write(object("type", "skipped", "seq", seq, "reason", cut(reason, MAX_REASON)));
        } catch (Exception error) {
            line = Json.write(object("type", "error", "seq", seq, "message", cut(error.toString(), MAX_MESSAGE)));
        }
        send(line);
    }

    /** A small, strict JSON reader (RFC 8259) and an ASCII-only writer: enough for the protocol. */
    static final class Json {
        static final int MAX_DEPTH = 512;

        static final class Malformed extends Exception {
            Malformed(String what) {
                super(what);
            }
        }

        private final String text;
        private int at;

        private Json(String text) {
            this.text = text;
        }

        static Object parse(String text) throws Malformed {
            Json reader = new Json(text);
            reader.space();
            Object value = reader.value(0);
            reader.space();
            if (reader.at < text.length()) {
                throw reader.malformed("text after the value");
            }
            return value;
        }

        private Malformed malformed(String what) {
            return new Malformed(what + " at character " + (at + 1));
        }

        private void space() {
            while (at < text.length() && " \t\r\n".indexOf(text.charAt(at)) >= 0) {
                at++;
            }
        }

        private boolean next(char expected) {
            if (at < text.length() && text.charAt(at) == expected) {
                at++;
                return true;
            }
            return false;
        }

        private void expect(char expected) throws Malformed {
            if (!next(expected)) {
                throw malformed("'" + expected + "' expected");
            }
        }

        private Object value(int depth) throws Malformed {
            if (depth > MAX_DEPTH) {
                throw malformed("nested too deep");
            }
            if (at >= text.length()) {
                throw malformed("a value expected");
            }
            switch (text.charAt(at)) {
                case '{':
                    return object(depth);
                case '[':
                    return array(depth);
                case '"':
                    return string();
                case 't':
                    return literal("true", Boolean.TRUE);
                case 'f':
                    return literal("false", Boolean.FALSE);
                case 'n':
                    return literal("null", null);
                default:
                    return number();
            }
        }

        private Map<String, Object> object(int depth) throws Malformed {
            Map<String, Object> map = new LinkedHashMap<>();
            at++;
            space();
            if (next('}')) {
                return map;
            }
            do {
                space();
                if (at >= text.length() || text.charAt(at) != '"') {
                    throw malformed("a string key expected");
                }
                String key = string();
                space();
                expect(':');
                space();
                map.put(key, value(depth + 1));
                space();
            } while (next(','));
            expect('}');
            return map;
        }

        private List<Object> array(int depth) throws Malformed {
            List<Object> list = new ArrayList<>();
            at++;
            space();
            if (next(']')) {
                return list;
            }
            do {
                space();
                list.add(value(depth + 1));
                space();
            } while (next(','));
            expect(']');
            return list;
        }

        private String string() throws Malformed {
            StringBuilder out = new StringBuilder();
            at++;
            while (true) {
                if (at >= text.length()) {
                    throw malformed("unterminated string");
                }
                char c = text.charAt(at++);
                if (c == '"') {
                    return out.toString();
                }
                if (c < 0x20) {
                    throw malformed("control character in a string");
                }
                if (c != '\\') {
                    out.append(c);
                    continue;
                }
                if (at >= text.length()) {
                    throw malformed("unterminated string");
                }
                char escape = text.charAt(at++);
                switch (escape) {
                    case '"': case '\\': case '/': out.append(escape); break;
                    case 'b': out.append('\b'); break;
                    case 'f': out.append('\f'); break;
                    case 'n': out.append('\n'); break;
                    case 'r': out.append('\r'); break;
                    case 't': out.append('\t'); break;
                    case 'u': out.append(hex4()); break; // a surrogate pair is two escapes, two chars
                    default: throw malformed("unknown escape \\" + escape);
                }
            }
        }

        private char hex4() throws Malformed {
            int code = 0;
            for (int i = 0; i < 4; i++) {
                int digit = at < text.length() ? Character.digit(text.charAt(at), 16) : -1;
                if (digit < 0) {
                    throw malformed("four hex digits expected after \\u");
                }
                code = code * 16 + digit;
                at++;
            }
            return (char) code;
        }

        private Object literal(String word, Object value) throws Malformed {
            if (!text.startsWith(word, at)) {
                throw malformed("unexpected character");
            }
            at += word.length();
            return value;
        }

        private int digits() {
            int start = at;
            while (at < text.length() && text.charAt(at) >= '0' && text.charAt(at) <= '9') {
                at++;
            }
            return at - start;
        }

        private Object number() throws Malformed {
            int start = at;
            next('-');
            if (!next('0')) {
                if (at >= text.length() || text.charAt(at) < '1' || text.charAt(at) > '9') {
                    throw malformed("unexpected character");
                }
                digits();
            }
            boolean integer = true;
            if (next('.')) {
                integer = false;
                if (digits() == 0) {
                    throw malformed("digits expected after '.'");
                }
            }
            if (next('e') || next('E')) {
                integer = false;
                if (!next('+')) {
                    next('-');
                }
                if (digits() == 0) {
                    throw malformed("digits expected in the exponent");
                }
            }
            String number = text.substring(start, at);
            if (integer) {
                try {
                    return Long.parseLong(number);
                } catch (NumberFormatException tooLong) {
                    return new BigInteger(number);
                }
            }
            try {
                return new BigDecimal(number);
            } catch (NumberFormatException exponentTooLarge) {
                throw malformed("number out of range");
            }
        }

        static String write(Object value) {
            StringBuilder out = new StringBuilder();
            write(value, out);
            return out.toString();
        }

        private static void write(Object value, StringBuilder out) {
            if (value == null || value instanceof Boolean) {
                out.append(value);
            } else if (value instanceof String) {
                writeString((String) value, out);
            } else if (value instanceof Double || value instanceof Float) {
                if (!Double.isFinite(((Number) value).doubleValue())) {
                    throw new IllegalArgumentException("JSON has no " + value);
                }
                out.append(value);
            } else if (value instanceof Long || value instanceof Integer || value instanceof Short
                    || value instanceof Byte || value instanceof BigInteger || value instanceof BigDecimal) {
                out.append(value);
            } else if (value instanceof Map) {
                out.append('{');
                String comma = "";
                for (Map.Entry<?, ?> entry : ((Map<?, ?>) value).entrySet()) {
                    if (!(entry.getKey() instanceof String)) {
                        throw new IllegalArgumentException("a JSON object's keys are strings, not " + entry.getKey());
                    }
                    out.append(comma);
                    writeString((String) entry.getKey(), out);
                    out.append(':');
                    write(entry.getValue(), out);
                    comma = ",";
                }
                out.append('}');
            } else if (value instanceof Collection) {
                out.append('[');
                String comma = "";
                for (Object item : (Collection<?>) value) {
                    out.append(comma);
                    write(item, out);
                    comma = ",";
                }
                out.append(']');
            } else {
                throw new IllegalArgumentException("cannot write a " + value.getClass().getName() + " as JSON");
            }
        }

        private static void writeString(String text, StringBuilder out) {
            out.append('"');
            for (int i = 0; i < text.length(); i++) {
                char c = text.charAt(i);
                if (c == '"' || c == '\\') {
                    out.append('\\').append(c);
                } else if (c < 0x20 || c > 0x7e) {
                    out.append(String.format("\\u%04x", (int) c));
                } else {
                    out.append(c);
                }
            }
            out.append('"');
        }
    }
}
