package dev.loomkit.server;

/** Character classes of RFC 9110 and 9112, shared by the parser and the response checks. */
final class Rfc9110 {
    private static final boolean[] TCHAR = new boolean[128];

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
    }

    private Rfc9110() {
    }

    static boolean isTchar(int b) {
        return b >= 0 && b < 128 && TCHAR[b];
    }

    static boolean isToken(String s) {
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
    static boolean isFieldValueByte(int b) {
        return b == '\t' || (b >= 0x20 && b != 0x7f);
    }

    static boolean isFieldValue(String s) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c > 0xff || !isFieldValueByte(c)) {
                return false;
            }
        }
        return true;
    }
}
