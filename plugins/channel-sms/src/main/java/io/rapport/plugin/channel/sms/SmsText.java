package io.rapport.plugin.channel.sms;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * How a text travels as SMS: in the GSM 03.38 default alphabet (GSM-7) when every character is in its basic or
 * extension table (an extension character such as '€' takes two septets), otherwise in UCS-2 (UTF-16, where an emoji
 * takes two units). One segment holds 160 septets or 70 UCS-2 units; a longer text is split into parts of 153 or 67,
 * each behind a 6-octet concatenation header, and a part never ends inside a two-septet character or a surrogate pair.
 */
final class SmsText {

    /** The two encodings, with their SMPP data_coding and segment sizes. */
    enum Encoding {
        /** GSM 03.38 default alphabet, one unpacked septet per octet (data_coding 0, the SMSC's default). */
        GSM7((byte) 0x00, 160, 153),
        /** UCS-2 / UTF-16 big-endian (data_coding 8). */
        UCS2((byte) 0x08, 70, 67);

        final byte dataCoding;
        final int single;
        final int perPart;

        Encoding(byte dataCoding, int single, int perPart) {
            this.dataCoding = dataCoding;
            this.single = single;
            this.perPart = perPart;
        }
    }

    /** The GSM 03.38 basic table by septet value; 0x1B (the escape to the extension table) is no character. */
    static final String BASIC = "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞ\uFFFFÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
            + "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà";
    /** The extension table's characters and, at the same index, their septet after the escape. */
    static final String EXTENSION = "\f^{}\\[~]|€";
    static final byte[] EXTENSION_SEPTETS = {0x0A, 0x14, 0x28, 0x29, 0x2F, 0x3C, 0x3D, 0x3E, 0x40, 0x65};
    static final byte ESCAPE = 0x1B;
    /** The concatenation header: UDH length 5, IE 0x00 (8-bit reference), IE length 3, then reference, total, sequence. */
    static final int UDH_LENGTH = 6;

    /**
     * A text ready to send.
     *
     * @param encoding   GSM-7 or UCS-2
     * @param characters the text's characters (code points)
     * @param units      septets (GSM-7) or UTF-16 units (UCS-2)
     * @param parts      each part's encoded payload, without a header
     */
    record Split(Encoding encoding, int characters, int units, List<byte[]> parts) {
        int segments() {
            return parts.size();
        }

        String describe() {
            return characters + " characters in " + encoding + " (" + units + (encoding == Encoding.GSM7 ? " septets" : " units") + ") make "
                    + segments() + " segment" + (segments() == 1 ? "" : "s");
        }
    }

    private SmsText() {
    }

    /** @return the septets {@code c} takes in GSM-7: 1, 2 for the extension table, or 0 if it has none */
    static int septets(char c) {
        if (c != '\uFFFF' && BASIC.indexOf(c) >= 0) {
            return 1;
        }
        return EXTENSION.indexOf(c) >= 0 ? 2 : 0;
    }

    static boolean isGsm7(String text) {
        for (int i = 0; i < text.length(); i++) {
            if (septets(text.charAt(i)) == 0) {
                return false;
            }
        }
        return true;
    }

    /** Chooses the encoding and splits the text into as many parts as it needs. */
    static Split split(String text) {
        Encoding enc = isGsm7(text) ? Encoding.GSM7 : Encoding.UCS2;
        int units = 0;
        for (int i = 0; i < text.length(); i++) {
            units += cost(enc, text.charAt(i));
        }
        int chars = text.codePointCount(0, text.length());
        List<byte[]> parts = new ArrayList<>();
        if (units <= enc.single) {
            parts.add(encode(enc, text));
            return new Split(enc, chars, units, parts);
        }
        int start = 0;
        while (start < text.length()) {
            int used = 0;
            int end = start;
            while (end < text.length()) {
                char c = text.charAt(end);
                int step = enc == Encoding.UCS2 && Character.isHighSurrogate(c) && end + 1 < text.length() ? 2 : 1;
                int cost = step == 2 ? 2 : cost(enc, c);
                if (used + cost > enc.perPart) {
                    break;
                }
                used += cost;
                end += step;
            }
            parts.add(encode(enc, text.substring(start, end)));
            start = end;
        }
        return new Split(enc, chars, units, parts);
    }

    private static int cost(Encoding enc, char c) {
        return enc == Encoding.GSM7 ? septets(c) : 1;
    }

    static byte[] encode(Encoding enc, String text) {
        return enc == Encoding.GSM7 ? gsm7(text) : text.getBytes(StandardCharsets.UTF_16BE);
    }

    /** @return the text as unpacked GSM-7 septets, one per octet */
    static byte[] gsm7(String text) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(text.length() + 8);
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            int basic = c == '\uFFFF' ? -1 : BASIC.indexOf(c);
            if (basic >= 0) {
                out.write(basic);
                continue;
            }
            int ext = EXTENSION.indexOf(c);
            if (ext < 0) {
                throw new IllegalArgumentException("'" + c + "' is not in the GSM 03.38 alphabet");
            }
            out.write(ESCAPE);
            out.write(EXTENSION_SEPTETS[ext]);
        }
        return out.toByteArray();
    }

    /** @return unpacked GSM-7 septets as text; an unknown escape gives a space, as GSM 03.38 says */
    static String fromGsm7(byte[] septets) {
        StringBuilder sb = new StringBuilder(septets.length);
        for (int i = 0; i < septets.length; i++) {
            int s = septets[i] & 0x7F;
            if (s == ESCAPE && i + 1 < septets.length) {
                int next = septets[++i] & 0x7F;
                char ext = ' ';
                for (int k = 0; k < EXTENSION_SEPTETS.length; k++) {
                    if (EXTENSION_SEPTETS[k] == next) {
                        ext = EXTENSION.charAt(k);
                    }
                }
                sb.append(ext);
            } else if (s != ESCAPE) {
                sb.append(BASIC.charAt(s));
            }
        }
        return sb.toString();
    }

    /** @return part {@code sequence} (from 1) of {@code total} behind a concatenation header with this reference */
    static byte[] withHeader(byte[] payload, int reference, int total, int sequence) {
        byte[] out = new byte[UDH_LENGTH + payload.length];
        out[0] = 0x05;
        out[1] = 0x00;
        out[2] = 0x03;
        out[3] = (byte) reference;
        out[4] = (byte) total;
        out[5] = (byte) sequence;
        System.arraycopy(payload, 0, out, UDH_LENGTH, payload.length);
        return out;
    }

    /**
     * Decodes an inbound short message by its data_coding: 0 (SMSC default, taken as unpacked GSM-7), 1 (IA5/ASCII),
     * 3 (Latin-1), 8 (UCS-2); anything else is read as Latin-1. A user data header, if {@code udhi}, is skipped.
     */
    static String decode(byte dataCoding, boolean udhi, byte[] message) {
        byte[] body = message == null ? new byte[0] : message;
        if (udhi && body.length > 0) {
            int skip = Math.min(body.length, (body[0] & 0xFF) + 1);
            body = java.util.Arrays.copyOfRange(body, skip, body.length);
        }
        return switch (dataCoding & 0x0F) {
            case 0x00 -> (dataCoding & 0xF0) == 0 ? fromGsm7(body) : new String(body, StandardCharsets.ISO_8859_1);
            case 0x01 -> new String(body, StandardCharsets.US_ASCII);
            case 0x08 -> new String(body, StandardCharsets.UTF_16BE);
            default -> new String(body, StandardCharsets.ISO_8859_1);
        };
    }
}
