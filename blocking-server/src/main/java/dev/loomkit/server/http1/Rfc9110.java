package dev.loomkit.server.http1;

/** Character classes of RFC 9110 and 9112 (and RFC 3986's host), shared by the parser and the response checks. */
public final class Rfc9110 {
    private static final boolean[] TCHAR = new boolean[128];
    /** RFC 3986 3.2.2 reg-name characters: unreserved, sub-delims, and '%' of a percent-encoding. */
    private static final boolean[] REG_NAME = new boolean[128];

    static {
        for (char c = '0'; c <= '9'; c++) {
            TCHAR[c] = true;
        }
        for (char c = 'a'; c <= 'z'; c++) {
            TCHAR[c] = true;
            TCHAR[c - 32] = true;
        }
        for (char c : "!#$%&'*+-.^_`|~".toCharArray()) {
            TCHAR[c] = true;
        }
        for (char c = 0; c < 128; c++) {
            REG_NAME[c] = c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z'
                    || "-._~%!$&'()*+,;=".indexOf(c) >= 0;
        }
    }

    private Rfc9110() {
    }

    /** {@return whether {@code b} is a token character (tchar)} */
    public static boolean isTchar(int b) {
        return b >= 0 && b < 128 && TCHAR[b];
    }

    /** {@return whether {@code c} may stand in a Host's reg-name (IPv4 addresses included)} */
    public static boolean isRegNameChar(char c) {
        return c < 128 && REG_NAME[c];
    }

    /** {@return whether {@code s} is a token: a method, a field name} */
    public static boolean isToken(String s) {
        if (s == null || s.isEmpty()) {
            return false;
        }
        for (int i = 0; i < s.length(); i++) {
            if (!isTchar(s.charAt(i))) {
                return false;
            }
        }
        return true;
    }

    /** A field-value character: visible ASCII, space, tab, or obs-text (0x80-0xFF). */
    public static boolean isFieldValueByte(int b) {
        return b == '\t' || (b >= 0x20 && b != 0x7f);
    }

    /** {@return whether every character of {@code s} may stand in a field value} */
    public static boolean isFieldValue(String s) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c > 0xff || !isFieldValueByte(c)) {
                return false;
            }
        }
        return true;
    }
}
