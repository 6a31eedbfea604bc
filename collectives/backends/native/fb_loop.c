/* fabricbench native timing loop.
 *
 * Times MPI operations the same way the Python engine does (barrier excluded, a monotonic
 * host clock around the operation), but without the ~0.6-0.8 us of Python call overhead per
 * operation that would otherwise dominate small messages. Called once per batch of samples
 * through ctypes with Fortran handles (MPI_Comm_f2c & co.), which are portable across MPI ABIs.
 */
#include <mpi.h>
#include <stdint.h>
#include <time.h>

enum {
  FB_IDLE = 0, FB_ALLREDUCE, FB_ALLGATHER, FB_REDUCE_SCATTER, FB_ALLTOALL, FB_BCAST,
  FB_REDUCE, FB_SENDRECV, FB_PINGPONG, FB_P2P_BW, FB_P2P_BIBW
};

#define FB_MAX_WINDOW 1024

typedef struct {
  int kernel;
  int comm;      /* MPI_Fint */
  int dtype;     /* MPI_Fint */
  int op;        /* MPI_Fint */
  void *sbuf;    /* NULL = MPI_IN_PLACE */
  void *rbuf;
  void *ack;
  int scount;    /* elements */
  int rcount;    /* elements of the receive buffer */
  int chunk;     /* per-peer elements (alltoall) */
  int root;
  int peer_a;    /* pair for point-to-point; next/prev for sendrecv */
  int peer_b;
  int window;
} fb_call;

int fb_abi_version(void) { return 2; }

static inline int64_t now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static int one_op(const fb_call *c, MPI_Comm comm, MPI_Datatype dt, MPI_Op op, int rank) {
  MPI_Request reqs[2 * FB_MAX_WINDOW];
  const void *s = c->sbuf ? c->sbuf : MPI_IN_PLACE;
  int w = c->window < FB_MAX_WINDOW ? c->window : FB_MAX_WINDOW;
  int peer = rank == c->peer_a ? c->peer_b : c->peer_a;
  switch (c->kernel) {
  case FB_IDLE: return MPI_SUCCESS;
  case FB_ALLREDUCE: return MPI_Allreduce(s, c->rbuf, c->rcount, dt, op, comm);
  case FB_ALLGATHER: return MPI_Allgather(s, c->scount, dt, c->rbuf, c->scount, dt, comm);
  case FB_REDUCE_SCATTER: return MPI_Reduce_scatter_block(s, c->rbuf, c->rcount, dt, op, comm);
  case FB_ALLTOALL: return MPI_Alltoall(s, c->chunk, dt, c->rbuf, c->chunk, dt, comm);
  case FB_BCAST: return MPI_Bcast(c->rbuf, c->rcount, dt, c->root, comm);
  case FB_REDUCE:
    if (!c->sbuf && rank != c->root) s = c->rbuf;
    return MPI_Reduce(s, rank == c->root ? c->rbuf : NULL, c->rcount, dt, op, c->root, comm);
  case FB_SENDRECV: {
    int size;
    MPI_Comm_size(comm, &size);
    return MPI_Sendrecv(c->sbuf, c->scount, dt, (rank + 1) % size, 7, c->rbuf, c->rcount, dt,
                        (rank + size - 1) % size, 7, comm, MPI_STATUS_IGNORE);
  }
  case FB_PINGPONG:
    if (rank == c->peer_a) {
      int rc = MPI_Send(c->sbuf, c->scount, dt, peer, 7, comm);
      return rc ? rc : MPI_Recv(c->rbuf, c->rcount, dt, peer, 7, comm, MPI_STATUS_IGNORE);
    } else if (rank == c->peer_b) {
      int rc = MPI_Recv(c->rbuf, c->rcount, dt, peer, 7, comm, MPI_STATUS_IGNORE);
      return rc ? rc : MPI_Send(c->rbuf, c->rcount, dt, peer, 7, comm);
    }
    return MPI_SUCCESS;
  case FB_P2P_BW:
    if (rank == c->peer_a) {
      for (int i = 0; i < w; i++) MPI_Isend(c->sbuf, c->scount, dt, peer, 7, comm, &reqs[i]);
      int rc = MPI_Waitall(w, reqs, MPI_STATUSES_IGNORE);
      return rc ? rc : MPI_Recv(c->ack, 1, dt, peer, 8, comm, MPI_STATUS_IGNORE);
    } else if (rank == c->peer_b) {
      for (int i = 0; i < w; i++) MPI_Irecv(c->rbuf, c->rcount, dt, peer, 7, comm, &reqs[i]);
      int rc = MPI_Waitall(w, reqs, MPI_STATUSES_IGNORE);
      return rc ? rc : MPI_Send(c->ack, 1, dt, peer, 8, comm);
    }
    return MPI_SUCCESS;
  case FB_P2P_BIBW:
    if (rank == c->peer_a || rank == c->peer_b) {
      for (int i = 0; i < w; i++) MPI_Irecv(c->rbuf, c->rcount, dt, peer, 7, comm, &reqs[i]);
      for (int i = 0; i < w; i++) MPI_Isend(c->sbuf, c->scount, dt, peer, 7, comm, &reqs[w + i]);
      return MPI_Waitall(2 * w, reqs, MPI_STATUSES_IGNORE);
    }
    return MPI_SUCCESS;
  }
  return MPI_ERR_OTHER;
}

/* Runs `samples` samples of `ops` back-to-back operations each; a barrier on the same
 * communicator precedes every sample when `barrier` is set and is excluded from the time.
 * out_ns[i] receives the elapsed nanoseconds of sample i. Returns an MPI error code. */
int fb_time_loop(const fb_call *c, int samples, int ops, int barrier, double *out_ns) {
  MPI_Comm comm = MPI_Comm_f2c(c->comm);
  MPI_Datatype dt = MPI_Type_f2c(c->dtype);
  MPI_Op op = MPI_Op_f2c(c->op);
  int rank;
  MPI_Comm_rank(comm, &rank);
  for (int i = 0; i < samples; i++) {
    if (barrier) MPI_Barrier(comm);
    int64_t t0 = now_ns();
    for (int k = 0; k < ops; k++) {
      int rc = one_op(c, comm, dt, op, rank);
      if (rc != MPI_SUCCESS) return rc;
    }
    out_ns[i] = (double)(now_ns() - t0);
  }
  return MPI_SUCCESS;
}

/* The empty timed iteration: barrier, clock, clock. Its time is the harness floor. */
int fb_floor_loop(int fcomm, int samples, double *out_ns) {
  MPI_Comm comm = MPI_Comm_f2c(fcomm);
  for (int i = 0; i < samples; i++) {
    MPI_Barrier(comm);
    int64_t t0 = now_ns();
    out_ns[i] = (double)(now_ns() - t0);
  }
  return MPI_SUCCESS;
}
