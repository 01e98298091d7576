/*
 * Native reference for `npm run bench:mi`: faultline's MI estimator (src/discover/mutual-information.ts, jitter
 * noise, binary target, n_neighbors 3) written in plain C with the same algorithm (float32-key radix argsort,
 * window walk for the k-th neighbour, outward walk for the counts), to measure how far the TypeScript is from
 * native code on the same machine. Not part of faultline; never shipped or run by the tool.
 *
 *   cc -O2 -o mi-ref bench/mi-native-reference.c -lm
 *   ./mi-ref <rows> <cols> <X.f32 (row-major float32)> <y.u8> <out.f64> <repeats>
 *
 * Prints the best wall time over the repeats in milliseconds; writes the MI of every column as float64.
 * Scaling uses plain sums (the TypeScript uses numpy's pairwise summation), so values agree to ~1e-12, not bits.
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define K 3

static double digamma(double x) {
  double r = 0;
  while (x < 6) r -= 1 / x++;
  double f = 1 / (x * x);
  return r + log(x) - 0.5 / x - f * (1.0 / 12 - f * (1.0 / 120 - f * (1.0 / 252 - f * (1.0 / 240 - f / 132))));
}

static void argsort(const double *values, int n, int32_t *order, uint32_t *k1, uint32_t *k2, int32_t *o1,
                    int32_t *o2) {
  int counts[3 * 256];
  memset(counts, 0, sizeof counts);
  for (int i = 0; i < n; i++) {
    float f = (float)values[i];
    uint32_t b;
    memcpy(&b, &f, 4);
    uint32_t k = (b & 0x80000000u) ? ~b : (b | 0x80000000u);
    k1[i] = k;
    o1[i] = i;
    counts[(k >> 8) & 0xff]++;
    counts[256 + ((k >> 16) & 0xff)]++;
    counts[512 + (k >> 24)]++;
  }
  for (int pass = 0; pass < 3; pass++) {
    int base = pass * 256, shift = 8 + pass * 8;
    if (counts[base + ((k1[0] >> shift) & 0xff)] == n) continue;
    int sum = 0;
    for (int d = 0; d < 256; d++) {
      int c = counts[base + d];
      counts[base + d] = sum;
      sum += c;
    }
    for (int i = 0; i < n; i++) {
      int pos = counts[base + ((k1[i] >> shift) & 0xff)]++;
      k2[pos] = k1[i];
      o2[pos] = o1[i];
    }
    uint32_t *tk = k1; k1 = k2; k2 = tk;
    int32_t *to = o1; o1 = o2; o2 = to;
  }
  memcpy(order, o1, (size_t)n * 4);
  for (int i = 1; i < n; i++) {
    int idx = order[i];
    double v = values[idx];
    int j = i - 1;
    while (j >= 0 && values[order[j]] > v) {
      order[j + 1] = order[j];
      j--;
    }
    order[j + 1] = idx;
  }
}

static double next_toward_zero(double r) { return r >= 4.450147717014403e-308 ? r * (1 - 0x1p-53) : nextafter(r, 0); }

static double window_cost(const double *v, int s, int k, double xi) {
  double l = xi - v[s], r = v[s + k] - xi;
  return l > r ? l : r;
}

static int count_within(const double *all, int n, int p, double xi, double r2) {
  int hi = p;
  while (hi < n && (all[hi] - xi) * (all[hi] - xi) <= r2) hi++;
  int lo = p - 1;
  while (lo >= 0 && (xi - all[lo]) * (xi - all[lo]) <= r2) lo--;
  return hi - lo - 1;
}

int main(int argc, char **argv) {
  if (argc != 7) {
    fprintf(stderr, "usage: %s rows cols X.f32 y.u8 out.f64 repeats\n", argv[0]);
    return 2;
  }
  int rows = atoi(argv[1]), cols = atoi(argv[2]), repeats = atoi(argv[6]);
  float *X = malloc(sizeof(float) * (size_t)rows * cols);
  uint8_t *y = malloc(rows);
  FILE *f = fopen(argv[3], "rb");
  if (!f || fread(X, sizeof(float), (size_t)rows * cols, f) != (size_t)rows * cols) return 3;
  fclose(f);
  f = fopen(argv[4], "rb");
  if (!f || fread(y, 1, rows, f) != (size_t)rows) return 3;
  fclose(f);

  double *psi = malloc(sizeof(double) * (rows + 2));
  for (int i = 1; i < rows + 2; i++) psi[i] = digamma(i);
  double *col = malloc(8 * rows), *all = malloc(8 * rows), *radii = malloc(8 * rows), *mi = malloc(8 * cols);
  double *cls[2] = {malloc(8 * rows), malloc(8 * rows)};
  int32_t *order = malloc(4 * rows), *o1 = malloc(4 * rows), *o2 = malloc(4 * rows);
  uint32_t *k1 = malloc(4 * rows), *k2 = malloc(4 * rows);
  int sizes[2] = {0, 0};
  for (int i = 0; i < rows; i++) sizes[y[i] != 0]++;
  /* The merged order holds every row, so both classes must be kept (more than one member each). */
  if (sizes[0] < 2 || sizes[1] < 2) {
    fprintf(stderr, "both classes need at least 2 rows\n");
    return 2;
  }

  double best = 1e30;
  for (int rep = 0; rep < repeats; rep++) {
    struct timespec a, b;
    clock_gettime(CLOCK_MONOTONIC, &a);
    uint32_t state = 0x9e3779b9u; /* UniformJitter(seed 0) */
    for (int j = 0; j < cols; j++) {
      double sum = 0, var = 0, abs_sum = 0;
      for (int i = 0; i < rows; i++) sum += col[i] = X[(size_t)i * cols + j];
      double mean = sum / rows;
      for (int i = 0; i < rows; i++) var += (col[i] - mean) * (col[i] - mean);
      double sd = sqrt(var / rows);
      if (sd < 10 * 2.220446049250313e-16) sd = 1;
      for (int i = 0; i < rows; i++) abs_sum += fabs(col[i] /= sd);
      double amp = 1e-10 * (abs_sum / rows > 1 ? abs_sum / rows : 1);
      double scale = amp * 2 * sqrt(3) / 4294967296.0, offset = amp * sqrt(3);
      for (int i = 0; i < rows; i++) {
        state ^= state << 13;
        state ^= state >> 17;
        state ^= state << 5;
        col[i] += state * scale - offset;
      }

      argsort(col, rows, order, k1, k2, o1, o2);
      int fill[2] = {0, 0};
      for (int t = 0; t < rows; t++) {
        double v = col[order[t]];
        all[t] = v;
        int c = y[order[t]] != 0;
        cls[c][fill[c]++] = v;
      }
      double sum_k = 0, sum_c = 0, sum_m = 0;
      int kept = rows;
      for (int c = 0; c < 2; c++) {
        int nc = sizes[c];
        const double *v = cls[c];
        int k = K < nc - 1 ? K : nc - 1;
        sum_k += psi[k] * nc;
        sum_c += psi[nc] * nc;
        for (int t = 0, s = 0; t < nc; t++) {
          double xi = v[t];
          if (s < t - k) s = t - k;
          int last = t < nc - 1 - k ? t : nc - 1 - k;
          double cost = window_cost(v, s, k, xi);
          while (s < last) {
            double next = window_cost(v, s + 1, k, xi);
            if (next > cost) break;
            cost = next;
            s++;
          }
          radii[t] = sqrt(cost * cost);
        }
        for (int t = 0, p = 0; t < nc; t++) {
          double xi = v[t], r = next_toward_zero(radii[t]);
          while (all[p] < xi) p++;
          sum_m += psi[count_within(all, rows, p, xi, r * r)];
        }
      }
      double m = psi[kept] + sum_k / kept - sum_c / kept - sum_m / kept;
      mi[j] = m > 0 ? m : 0;
    }
    clock_gettime(CLOCK_MONOTONIC, &b);
    double ms = (b.tv_sec - a.tv_sec) * 1e3 + (b.tv_nsec - a.tv_nsec) / 1e6;
    if (ms < best) best = ms;
  }
  f = fopen(argv[5], "wb");
  fwrite(mi, 8, cols, f);
  fclose(f);
  printf("%.3f\n", best);
  return 0;
}
