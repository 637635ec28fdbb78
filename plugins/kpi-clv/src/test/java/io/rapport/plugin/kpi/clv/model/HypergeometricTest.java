package io.rapport.plugin.kpi.clv.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/** 2F1 against closed forms in each region (series, Pfaff for z &lt; 0, 1-z transformation, near-integer fallback). */
class HypergeometricTest {

    @ParameterizedTest
    @ValueSource(doubles = {-50, -3, -0.5, 0, 0.3, 0.9, 0.95, 0.999, 0.99999})
    void logarithm(double z) {
        // 2F1(1, 1; 2; z) = -ln(1-z)/z; c-a-b = 0, so above 0.9 it is the near-integer fallback, whose millions of
        // terms at 1 - 1e-5 cost some digits
        double expected = z == 0 ? 1 : -Math.log1p(-z) / z;
        double tolerance = z > 0.999 ? 1e-10 : 1e-12;
        assertThat(Hypergeometric.f21(1, 1, 2, z)).isCloseTo(expected, within(tolerance * expected));
    }

    @ParameterizedTest
    @CsvSource({"0.3, 1.7, -3", "0.3, 1.7, 0.5", "0.3, 1.7, 0.95", "0.3, 1.7, 0.9999", "2.5, 0.4, 0.97", "-1.3, 2.2, 0.93"})
    void power(double a, double b, double z) {
        // 2F1(a, b; b; z) = (1-z)^-a; c-a-b = -a, not an integer: the 1-z transformation above 0.9
        double expected = Math.pow(1 - z, -a);
        assertThat(Hypergeometric.f21(a, b, b, z)).isCloseTo(expected, within(1e-11 * expected));
    }

    @ParameterizedTest
    @ValueSource(doubles = {0.1, 0.5, 0.9, 0.99, 0.9999})
    void arcsine(double y) {
        // 2F1(1/2, 1/2; 3/2; y^2) = arcsin(y)/y
        double expected = Math.asin(y) / y;
        assertThat(Hypergeometric.f21(0.5, 0.5, 1.5, y * y)).isCloseTo(expected, within(1e-11 * expected));
    }

    @ParameterizedTest
    @ValueSource(doubles = {0.5, 1, 3, 100})
    void arctangent(double y) {
        // 2F1(1/2, 1; 3/2; -y^2) = arctan(y)/y
        double expected = Math.atan(y) / y;
        assertThat(Hypergeometric.f21(0.5, 1, 1.5, -y * y)).isCloseTo(expected, within(1e-12 * expected));
    }

    @ParameterizedTest
    @CsvSource({"0.45, -0.207, 3.2, 0.95", "0.45, -0.207, 52.2, 0.97", "2.97, 0.79, 1.5, 0.93", "0.24, 2.43, 2.5, 0.92"})
    void transformationAgreesWithTheSeries(double a, double b, double c, double z) {
        assertThat(Hypergeometric.f21(a, b, c, z)).isCloseTo(Hypergeometric.series(a, b, c, z), within(1e-11));
    }

    @Test
    void terminatingSeriesIsAPolynomial() {
        // 2F1(-2, b; c; z) = 1 - 2bz/c + b(b+1)z^2/(c(c+1))
        double b = 1.5;
        double c = 2.5;
        double z = 0.97;
        double expected = 1 - 2 * b * z / c + b * (b + 1) * z * z / (c * (c + 1));
        assertThat(Hypergeometric.f21(-2, b, c, z)).isCloseTo(expected, within(1e-13));
    }

    @Test
    void zAtOrAboveOneIsRefused() {
        assertThatThrownBy(() -> Hypergeometric.f21(1, 1, 2, 1)).isInstanceOf(IllegalArgumentException.class);
    }
}
