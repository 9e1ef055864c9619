// End-to-end check of the x87 unit through the whole machine: glibc long-double
// paths (printf %Lf/%La, strtold, sqrtl, fmodl, rintl, ldexpl...) compiled
// static; tests/cpu/x87-program.test.ts compares its output natively and in Hako.
#include <stdio.h>
#include <stdlib.h>
#include <math.h>
#include <float.h>
int main(int argc, char **argv) {
  volatile long double a = 1.0L / 3, b = strtold("2.718281828459045235360287471352662497757", 0);
  printf("%.25Lf %.21Lg %La\n", a, b, a * b);
  long double s = 0;
  for (int i = 1; i < 2000; i++) s += 1.0L / ((long double)i * i);
  printf("%.20Lf %La\n", s, s);
  printf("%.22Lf %Le %Lg\n", sqrtl(2.0L), (long double)1e300 * 1e300, LDBL_MAX);
  volatile long double x = 123456789.987654321L;
  printf("%lld %lld\n", (long long)x, llrintl(x));
  printf("%.30Lg %.30Lg\n", 1e4931L, LDBL_MIN / 3);
  printf("%.20Lg %.20Lg %.20Lg\n", fmodl(1e20L, 3.1L), remainderl(10.0L, 3.0L), rintl(2.5L));
  printf("%.20Lg %.20Lg\n", ldexpl(1.5L, -16400), frexpl(12345.678L, &argc));
  printf("%Lg %Lg %d %d\n", nanl(""), -INFINITY * 1.0L, isnan(nanl("")), signbit(-0.0L));
  printf("%.17g %.9g\n", (double)(a * 7), (float)(b * 1e30L));
  char buf[64]; snprintf(buf, sizeof buf, "%.40Lf", 0.1L); puts(buf);
  long double t = strtold("1e-4950", 0); printf("%La %Lg\n", t, t);
  // libm long double: sinl/cosl/tanl are software polynomials on x87 arithmetic;
  // expl, logl, log2l, atan2l, powl use F2XM1/FYL2X/FPATAN, which may differ
  // from the host by one ulp, hence 15 digits
  volatile long double u = 0.7L, v = 123.456L;
  printf("%.15Lg %.15Lg %.15Lg %.15Lg\n", sinl(u), cosl(v), tanl(u), atan2l(u, -v));
  printf("%.15Lg %.15Lg %.15Lg %.15Lg\n", expl(u), logl(v), log2l(v), log10l(v));
  printf("%.15Lg %.15Lg %.15Lg %.15Lg\n", powl(v, u), exp2l(-u), log1pl(u / 100), expm1l(-u));
  printf("%.15Lg %.15Lg %.15Lg\n", atanl(v), asinl(u), acosl(-u));
  return 0;
}
