package tinysns.domain;

/** What a post may contain. Refused posts are never truncated or altered: the author gets the reason. */
public final class PostText {
    private PostText() {
    }

    /** Null if {@code text} is an acceptable post of at most {@code maxChars} characters, else why it is not. */
    public static String problem(String text, int maxChars) {
        if (text == null || text.isBlank()) {
            return "a post cannot be empty";
        }
        int chars = 0;
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (Character.isHighSurrogate(c)) {
                if (i + 1 >= text.length() || !Character.isLowSurrogate(text.charAt(i + 1))) {
                    return "a post cannot contain invalid UTF-16 (an unpaired surrogate)";
                }
                i++;
            } else if (Character.isLowSurrogate(c)) {
                return "a post cannot contain invalid UTF-16 (an unpaired surrogate)";
            } else if (Character.isISOControl(c) && c != '\t') {
                return "a post cannot contain control characters";
            }
            if (++chars > maxChars) {
                return "a post is at most " + maxChars + " characters";
            }
        }
        return null;
    }
}
