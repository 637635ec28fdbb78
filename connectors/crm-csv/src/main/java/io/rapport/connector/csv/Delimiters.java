package io.rapport.connector.csv;

import java.io.IOException;
import java.io.StringReader;
import java.util.ArrayList;
import java.util.List;

/**
 * Sniffs the delimiter from the start of a file: the candidate ({@code ,} {@code ;} tab {@code |}) that splits the
 * header into the most fields and the following records into as many; else {@link Delimiter#WHITESPACE} when runs of
 * blanks split the lines consistently; else {@link Delimiter#COMMA} (a one-column file).
 */
final class Delimiters {

    private static final int LINES = 20;
    private static final List<Delimiter> CANDIDATES = List.of(Delimiter.COMMA, Delimiter.SEMICOLON, Delimiter.TAB, Delimiter.PIPE);

    private Delimiters() {
    }

    /**
     * @param sample    the decoded start of the file
     * @param truncated the file goes on after the sample: its last line may be cut
     */
    static Delimiter sniff(String sample, boolean truncated) {
        String text = truncated ? dropLastLine(sample) : sample;
        Delimiter best = null;
        double bestScore = 0;
        for (Delimiter d : CANDIDATES) {
            double score = score(text, d);
            if (score > bestScore) {
                bestScore = score;
                best = d;
            }
        }
        if (best != null) {
            return best;
        }
        return score(text, Delimiter.WHITESPACE) > 0 ? Delimiter.WHITESPACE : Delimiter.COMMA;
    }

    /** @return 0 when the delimiter does not split the header, else header fields times the share of rows that agree */
    private static double score(String text, Delimiter d) {
        List<Integer> counts = new ArrayList<>();
        try (CsvReader r = new CsvReader(new StringReader(text), d)) {
            CsvRecord rec;
            while (counts.size() < LINES && (rec = r.next()) != null) {
                counts.add(rec.fields().size());
            }
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        if (counts.isEmpty() || counts.get(0) < 2) {
            return 0;
        }
        int header = counts.get(0);
        long agree = counts.stream().filter(c -> c == header).count();
        double share = counts.size() == 1 ? 1 : (double) (agree - 1) / (counts.size() - 1);
        if (share < 0.8) {
            return 0;
        }
        return header * share;
    }

    private static String dropLastLine(String s) {
        int cut = Math.max(s.lastIndexOf('\n'), s.lastIndexOf('\r'));
        return cut > 0 ? s.substring(0, cut) : s;
    }
}
