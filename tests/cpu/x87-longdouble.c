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
  return 0;
}
