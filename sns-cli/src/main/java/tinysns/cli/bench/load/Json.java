package tinysns.cli.bench.load;

import java.util.Locale;

/** Just enough JSON writing for the report: objects, arrays, strings and numbers, no library needed. */
final class Json {
    private final StringBuilder sb = new StringBuilder();
    private boolean first = true;

    Json open(char bracket) {
        comma();
        sb.append(bracket);
        first = true;
        return this;
    }

    Json close(char bracket) {
        sb.append(bracket);
        first = false;
        return this;
    }

    Json key(String key) {
        comma();
        string(key);
        sb.append(':');
        first = true;
        return this;
    }

    Json value(String value) {
        comma();
        if (value == null) {
            sb.append("null");
        } else {
            string(value);
        }
        first = false;
        return this;
    }

    Json value(double value) {
        comma();
        if (Double.isFinite(value)) {
            sb.append(value == Math.rint(value) && Math.abs(value) < 1e15
                    ? Long.toString((long) value) : String.format(Locale.ROOT, "%.3f", value));
        } else {
            sb.append("null");
        }
        first = false;
        return this;
    }

    Json field(String key, String value) {
        return key(key).value(value);
    }

    Json field(String key, double value) {
        return key(key).value(value);
    }

    private void comma() {
        if (!first) {
            sb.append(',');
        }
        first = false;
    }

    private void string(String s) {
        sb.append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> sb.append("\\\"");
                case '\\' -> sb.append("\\\\");
                case '\n' -> sb.append("\\n");
                case '\r' -> sb.append("\\r");
                case '\t' -> sb.append("\\t");
                default -> {
                    if (c < 0x20 || c == '<' || c == '>' || c == '&') { // also safe inside an HTML <script>
                        sb.append(String.format("\\u%04x", (int) c));
                    } else {
                        sb.append(c);
                    }
                }
            }
        }
        sb.append('"');
    }

    @Override
    public String toString() {
        return sb.toString();
    }
}
