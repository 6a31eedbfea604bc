/* Reference C timing loop for MPI_Allreduce and a ping-pong, timed the way fabricbench's
 * engine times them: a barrier before every iteration (excluded), a CLOCK_MONOTONIC timestamp
 * around the one operation, the max over ranks per iteration, the median over iterations.
 * Buffers are allocated like numpy's: 64-byte aligned, transparent huge pages from 4 MiB.
 *
 * usage: mpiexec -n 2 mpi_reference_loop SIZE:ITERS [SIZE:ITERS ...]
 * prints: kernel size median_us (one line per kernel and size, rank 0)
 */
#include <mpi.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>

static int64_t now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static void *alloc(size_t bytes) {
  /* numpy madvises MADV_HUGEPAGE over its large (>= 4 MiB) arrays, so fabricbench's host buffers
   * get transparent huge pages where THP is in madvise mode. madvise needs a page-aligned start:
   * a 64-byte-aligned block silently got none (EINVAL), which made this reference run on 4 KiB
   * pages while the harness ran on 2 MiB pages (16 MiB: ping-pong 25 % faster, all-reduce 16 %
   * slower in "ours"). Large blocks are therefore 2 MiB-aligned here. */
  void *p = NULL;
  size_t align = bytes >= (4u << 20) ? (2u << 20) : 64;
  if (posix_memalign(&p, align, bytes ? bytes : 64)) return NULL;
  if (bytes >= (4u << 20) && madvise(p, bytes, MADV_HUGEPAGE) != 0) perror("madvise(MADV_HUGEPAGE)");
  memset(p, 0, bytes);
  return p;
}

static int cmp(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

static double median_of_max(double *local, int iters, int rank) {
  double *maxes = malloc(sizeof(double) * iters);
  MPI_Reduce(local, maxes, iters, MPI_DOUBLE, MPI_MAX, 0, MPI_COMM_WORLD);
  double med = 0;
  if (rank == 0) {
    qsort(maxes, iters, sizeof(double), cmp);
    med = iters % 2 ? maxes[iters / 2] : 0.5 * (maxes[iters / 2 - 1] + maxes[iters / 2]);
  }
  free(maxes);
  return med;
}

int main(int argc, char **argv) {
  int provided, rank, size;
  MPI_Init_thread(&argc, &argv, MPI_THREAD_FUNNELED, &provided);
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  MPI_Comm_size(MPI_COMM_WORLD, &size);
  for (int a = 1; a < argc; a++) {
    long bytes = 0;
    int iters = 0, warmup = 5;
    if (sscanf(argv[a], "%ld:%d", &bytes, &iters) != 2 || iters < 1) continue;
    int count = (int)(bytes / 4);
    float *s = alloc(bytes), *r = alloc(bytes);
    double *t = malloc(sizeof(double) * iters);
    for (int i = 0; i < warmup + iters; i++) {
      MPI_Barrier(MPI_COMM_WORLD);
      int64_t t0 = now_ns();
      MPI_Allreduce(s, r, count, MPI_FLOAT, MPI_SUM, MPI_COMM_WORLD);
      if (i >= warmup) t[i - warmup] = (now_ns() - t0) * 1e-3;
    }
    double med = median_of_max(t, iters, rank);
    if (rank == 0) printf("allreduce %ld %.4f\n", bytes, med);
    int peer = rank == 0 ? size - 1 : 0;
    for (int i = 0; i < warmup + iters; i++) {
      MPI_Barrier(MPI_COMM_WORLD);
      int64_t t0 = now_ns();
      if (rank == 0) {
        MPI_Send(s, count, MPI_FLOAT, peer, 7, MPI_COMM_WORLD);
        MPI_Recv(r, count, MPI_FLOAT, peer, 7, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
      } else if (rank == size - 1) {
        MPI_Recv(r, count, MPI_FLOAT, peer, 7, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
        MPI_Send(r, count, MPI_FLOAT, peer, 7, MPI_COMM_WORLD);
      }
      if (i >= warmup) t[i - warmup] = (now_ns() - t0) * 1e-3 / 2; /* half round trip */
    }
    med = median_of_max(t, iters, rank);
    if (rank == 0) printf("pingpong %ld %.4f\n", bytes, med);
    fflush(stdout);
    free(s); free(r); free(t);
  }
  MPI_Finalize();
  return 0;
}
