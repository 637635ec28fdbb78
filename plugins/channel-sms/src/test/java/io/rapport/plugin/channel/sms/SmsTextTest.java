package io.rapport.plugin.channel.sms;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;

import org.junit.jupiter.api.Test;

class SmsTextTest {

    @Test
    void theBasicTableHas128SeptetsAndTheExtensionTableTen() {
        assertThat(SmsText.BASIC).hasSize(128);
        assertThat(SmsText.BASIC.charAt(0x00)).isEqualTo('@');
        assertThat(SmsText.BASIC.charAt(0x24)).isEqualTo('¤');
        assertThat(SmsText.BASIC.charAt(0x41)).isEqualTo('A');
        assertThat(SmsText.BASIC.charAt(0x7F)).isEqualTo('à');
        assertThat(SmsText.EXTENSION).hasSize(SmsText.EXTENSION_SEPTETS.length);
    }

    @Test
    void theTestSmscReadsAndWritesGsm7AsTheChannelDoes() {
        String all = SmsText.BASIC.replace("\uFFFF", "") + SmsText.EXTENSION;
        assertThat(TestSmsc.fromGsm7(SmsText.gsm7(all))).isEqualTo(all);
        assertThat(TestSmsc.gsm7(all)).isEqualTo(SmsText.gsm7(all));
    }

    @Test
    void oneHundredSixtyGsmCharactersAreOneSegmentAndOneMoreMakesTwo() {
        SmsText.Split one = SmsText.split("a".repeat(160));
        assertThat(one.encoding()).isEqualTo(SmsText.Encoding.GSM7);
        assertThat(one.segments()).isEqualTo(1);
        assertThat(one.parts().get(0)).hasSize(160);

        SmsText.Split two = SmsText.split("a".repeat(161));
        assertThat(two.segments()).isEqualTo(2);
        assertThat(two.parts().get(0)).hasSize(153);
        assertThat(two.parts().get(1)).hasSize(8);
        assertThat(SmsText.split("a".repeat(306)).segments()).isEqualTo(2);
        assertThat(SmsText.split("a".repeat(307)).segments()).isEqualTo(3);
    }

    @Test
    void theEuroSignAndOtherExtensionCharactersCountTwo() {
        assertThat(SmsText.septets('€')).isEqualTo(2);
        assertThat(SmsText.septets('[')).isEqualTo(2);
        assertThat(SmsText.septets('é')).isEqualTo(1);
        SmsText.Split euro = SmsText.split("€".repeat(80));
        assertThat(euro.encoding()).isEqualTo(SmsText.Encoding.GSM7);
        assertThat(euro.units()).isEqualTo(160);
        assertThat(euro.segments()).isEqualTo(1);
        assertThat(SmsText.split("€".repeat(80) + "a").segments()).isEqualTo(2);
        assertThat(SmsText.gsm7("€")).containsExactly(0x1B, 0x65);
    }

    @Test
    void aPartNeverEndsBetweenTheEscapeAndItsCharacter() {
        // 152 septets, then '€' would straddle 153: it moves whole to the second part
        SmsText.Split s = SmsText.split("a".repeat(152) + "€" + "b".repeat(10));
        assertThat(s.parts().get(0)).hasSize(152);
        assertThat(SmsText.fromGsm7(s.parts().get(1))).isEqualTo("€" + "b".repeat(10));
    }

    @Test
    void oneEmojiMakesTheWholeTextUcs2() {
        SmsText.Split s = SmsText.split("Merci 😀");
        assertThat(s.encoding()).isEqualTo(SmsText.Encoding.UCS2);
        assertThat(s.units()).isEqualTo(8);
        assertThat(s.characters()).isEqualTo(7);
        assertThat(new String(s.parts().get(0), StandardCharsets.UTF_16BE)).isEqualTo("Merci 😀");
    }

    @Test
    void seventyUcs2CharactersAreOneSegmentAndSeventyOneMakeTwo() {
        assertThat(SmsText.split("ж".repeat(70)).segments()).isEqualTo(1);
        SmsText.Split two = SmsText.split("ж".repeat(71));
        assertThat(two.segments()).isEqualTo(2);
        assertThat(two.parts().get(0)).hasSize(67 * 2);
        assertThat(SmsText.split("ж".repeat(134)).segments()).isEqualTo(2);
        assertThat(SmsText.split("ж".repeat(135)).segments()).isEqualTo(3);
    }

    @Test
    void aSurrogatePairIsNeverSplit() {
        SmsText.Split s = SmsText.split("ж".repeat(66) + "😀" + "ж".repeat(5));
        assertThat(s.parts().get(0)).hasSize(66 * 2);
        assertThat(new String(s.parts().get(1), StandardCharsets.UTF_16BE)).isEqualTo("😀" + "ж".repeat(5));
    }

    @Test
    void gsm7RoundTripsAndDescribesItself() {
        String text = "Hello @ £5 {x} ~ Ünïcode? no: ÄÖÑÜ§¿ à\n";
        assertThat(SmsText.isGsm7("ï")).isFalse();
        String gsm = "Hello @ £5 {x} ~ ÄÖÑÜ§¿ à\n€";
        assertThat(SmsText.fromGsm7(SmsText.gsm7(gsm))).isEqualTo(gsm);
        assertThat(SmsText.split(text).encoding()).isEqualTo(SmsText.Encoding.UCS2);
        assertThat(SmsText.split("a".repeat(161)).describe()).isEqualTo("161 characters in GSM7 (161 septets) make 2 segments");
        assertThatThrownBy(() -> SmsText.gsm7("ï")).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void theConcatenationHeaderCarriesReferenceTotalAndSequence() {
        byte[] part = SmsText.withHeader(new byte[] {0x41}, 0xAB, 3, 2);
        assertThat(part).containsExactly(0x05, 0x00, 0x03, 0xAB, 0x03, 0x02, 0x41);
    }

    @Test
    void inboundTextIsDecodedByItsDataCodingAndHeaderSkipped() {
        assertThat(SmsText.decode((byte) 0, false, SmsText.gsm7("STOP"))).isEqualTo("STOP");
        assertThat(SmsText.decode((byte) 8, false, "stop 😀".getBytes(StandardCharsets.UTF_16BE))).isEqualTo("stop 😀");
        assertThat(SmsText.decode((byte) 3, false, "café".getBytes(StandardCharsets.ISO_8859_1))).isEqualTo("café");
        assertThat(SmsText.decode((byte) 0, true, SmsText.withHeader(SmsText.gsm7("Hi"), 1, 2, 1))).isEqualTo("Hi");
    }
}
