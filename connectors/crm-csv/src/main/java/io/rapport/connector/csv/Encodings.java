package io.rapport.connector.csv;

import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;

/**
 * Decides a file's character encoding from a sample of its first bytes: a byte-order mark (UTF-8, UTF-16 BE/LE),
 * else UTF-8 when the sample is valid UTF-8, else UTF-16 without mark when every other byte is zero, else
 * Windows-1252 (a superset of Latin-1's printable characters, what spreadsheet programs write).
 */
public final class Encodings {

    /** How many bytes of the start of a file the detection reads. */
    public static final int SAMPLE_BYTES = 64 * 1024;
    /** The fallback for bytes that are not UTF-8. */
    public static final Charset WINDOWS_1252 = Charset.forName("windows-1252");

    /**
     * An encoding and the length of the byte-order mark to skip.
     *
     * @param charset   the encoding
     * @param bomLength bytes of byte-order mark at the start of the file (0, 2 or 3)
     */
    public record Detected(Charset charset, int bomLength) {
    }

    private Encodings() {
    }

    /**
     * @param sample the first bytes of the file
     * @param length how many of them are valid
     * @param forced the encoding the options name, or null to detect it (a matching byte-order mark is still skipped)
     */
    public static Detected detect(byte[] sample, int length, Charset forced) {
        Detected bom = bom(sample, length);
        if (forced != null) {
            boolean same = bom != null && (bom.charset.equals(forced)
                    || forced.name().equals("UTF-16") && bom.charset.name().startsWith("UTF-16"));
            return same ? new Detected(bom.charset, bom.bomLength) : new Detected(forced, 0);
        }
        if (bom != null) {
            return bom;
        }
        if (isUtf8(sample, length, length == SAMPLE_BYTES)) {
            return new Detected(StandardCharsets.UTF_8, 0);
        }
        Charset utf16 = utf16WithoutBom(sample, length);
        if (utf16 != null) {
            return new Detected(utf16, 0);
        }
        return new Detected(WINDOWS_1252, 0);
    }

    private static Detected bom(byte[] b, int n) {
        if (n >= 3 && (b[0] & 0xFF) == 0xEF && (b[1] & 0xFF) == 0xBB && (b[2] & 0xFF) == 0xBF) {
            return new Detected(StandardCharsets.UTF_8, 3);
        }
        if (n >= 2 && (b[0] & 0xFF) == 0xFE && (b[1] & 0xFF) == 0xFF) {
            return new Detected(StandardCharsets.UTF_16BE, 2);
        }
        if (n >= 2 && (b[0] & 0xFF) == 0xFF && (b[1] & 0xFF) == 0xFE) {
            return new Detected(StandardCharsets.UTF_16LE, 2);
        }
        return null;
    }

    /** @param truncated the sample may end inside a character: an incomplete last sequence is allowed */
    static boolean isUtf8(byte[] b, int n, boolean truncated) {
        int i = 0;
        while (i < n) {
            int c = b[i] & 0xFF;
            int more;
            if (c < 0x80) {
                i++;
                continue;
            } else if (c >= 0xC2 && c <= 0xDF) {
                more = 1;
            } else if (c >= 0xE0 && c <= 0xEF) {
                more = 2;
            } else if (c >= 0xF0 && c <= 0xF4) {
                more = 3;
            } else {
                return false;
            }
            for (int k = 1; k <= more; k++) {
                if (i + k >= n) {
                    return truncated;
                }
                if ((b[i + k] & 0xC0) != 0x80) {
                    return false;
                }
            }
            i += more + 1;
        }
        return true;
    }

    private static Charset utf16WithoutBom(byte[] b, int n) {
        if (n < 4) {
            return null;
        }
        int zeroEven = 0;
        int zeroOdd = 0;
        for (int i = 0; i + 1 < n; i += 2) {
            if (b[i] == 0) {
                zeroEven++;
            }
            if (b[i + 1] == 0) {
                zeroOdd++;
            }
        }
        int pairs = n / 2;
        if (zeroEven > pairs * 0.9 && zeroOdd < pairs * 0.1) {
            return StandardCharsets.UTF_16BE;
        }
        if (zeroOdd > pairs * 0.9 && zeroEven < pairs * 0.1) {
            return StandardCharsets.UTF_16LE;
        }
        return null;
    }
}
