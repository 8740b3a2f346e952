// The floor for the addon: the same librados/librbd call sequence per operation as native/src does,
// from plain C on one connection, timed per iteration. Built by bench/ops.ts with gcc.
//
//   rbdbench CONF POOL OP ITERATIONS PREFIX      one line per iteration: milliseconds
//   rbdbench CONF POOL concurrent N TOTAL PREFIX  N threads share TOTAL creates; prints ops/s
//   rbdbench CONF POOL concurrent-remove N TOTAL PREFIX
//                                                 N threads share TOTAL rbd_removes; prints the wall
//                                                 time and this process's CPU time, in ms
//   rbdbench CONF POOL serve                      reads "OP PREFIX I" lines, answers each with its ms, and
//                                                 "concurrent N TOTAL PREFIX" lines, answered with ops/s
//                                                 (so the bench can interleave C with the addon on one connection);
//                                                 "rotated OP PREFIX I" runs the op on the next of its
//                                                 UV_THREADPOOL_SIZE threads (default 4), as libuv's pool does
#include <errno.h>
#include <pthread.h>
#include <rados/librados.h>
#include <rbd/librbd.h>
#include <semaphore.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>


static rados_t cluster;
static rados_ioctx_t io;
static const char* pool_name;

static double now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static void die(const char* what, int rc) {
  fprintf(stderr, "rbdbench: %s: %s\n", what, strerror(-rc));
  exit(1);
}

static int ignore_progress(uint64_t a, uint64_t b, void* p) { return 0; }

// As ImageCreate: empty image options, rbd_create4.
static int op_create(const char* name) {
  rbd_image_options_t opts;
  rbd_image_options_create(&opts);
  int rc = rbd_create4(io, name, 1ULL << 30, opts);
  rbd_image_options_destroy(opts);
  return rc;
}

static int open_rw(const char* name, rbd_image_t* img) { return rbd_open(io, name, img, NULL); }

// As StatFromHeader (native/src/header.cc): cls_rbd get_id on rbd_id.<name>, then get_size,
// get_features, get_object_prefix, get_flags, parent_get and get_data_pool in one read op on the
// header, then the data pool's name. Replies are checked for success, not decoded (a few memcpys).
static int header_stat(const char* name) {
  char oid[320], id[64], buf[128];
  char* out[6] = {0};
  size_t len[6] = {0};
  int prval[6] = {0};
  uint64_t head = (uint64_t)-2;
  snprintf(oid, sizeof(oid), "rbd_id.%s", name);
  rados_read_op_t op = rados_create_read_op();
  rados_read_op_exec(op, "rbd", "get_id", NULL, 0, &out[0], &len[0], &prval[0]);
  int rc = rados_read_op_operate(op, io, oid, 0);
  rados_release_read_op(op);
  if (rc >= 0) rc = prval[0];
  if (rc >= 0 && (len[0] < 4 || len[0] - 4 >= sizeof(id))) rc = -EIO;
  if (rc >= 0) {
    memcpy(id, out[0] + 4, len[0] - 4);
    id[len[0] - 4] = 0;
  }
  if (out[0]) rados_buffer_free(out[0]);
  if (rc < 0) return rc;
  out[0] = NULL;
  snprintf(oid, sizeof(oid), "rbd_header.%s", id);
  op = rados_create_read_op();
  rados_read_op_exec(op, "rbd", "get_size", (const char*)&head, 8, &out[0], &len[0], &prval[0]);
  rados_read_op_exec(op, "rbd", "get_features", (const char*)&head, 8, &out[1], &len[1], &prval[1]);
  rados_read_op_exec(op, "rbd", "get_object_prefix", NULL, 0, &out[2], &len[2], &prval[2]);
  rados_read_op_exec(op, "rbd", "get_flags", (const char*)&head, 8, &out[3], &len[3], &prval[3]);
  rados_read_op_exec(op, "rbd", "parent_get", NULL, 0, &out[4], &len[4], &prval[4]);
  rados_read_op_exec(op, "rbd", "get_data_pool", NULL, 0, &out[5], &len[5], &prval[5]);
  rc = rados_read_op_operate(op, io, oid, 0);
  rados_release_read_op(op);
  for (int i = 0; i < 6; i++) {
    if (rc >= 0 && prval[i] < 0) rc = prval[i];
    if (out[i]) rados_buffer_free(out[i]);
  }
  if (rc < 0) return rc;
  return rados_pool_reverse_lookup(cluster, rados_ioctx_get_id(io), buf, sizeof(buf));
}

// The same two reads as header_stat, the way a caller that must not block gets librados' answers
// (the addon's way, native/src/header.cc): aio ops with completion callbacks, the header read sent
// from the id read's callback, the last callback waking the caller. librados runs callbacks on its
// finisher thread, while a blocking read is woken from the messenger thread directly: this shows
// what those hand-offs cost in C, without Node or the addon.
struct cb_stat {
  pthread_mutex_t lock;
  pthread_cond_t cond;
  int done, rc;
  char oid[320];
  char* out[7];
  size_t len[7];
  int prval[7];
  // Both released by the caller at the end: librados may still be inside a send when its callback runs.
  rados_read_op_t id_op, header_op;
};

static void cb_stat_finish(struct cb_stat* st, int rc) {
  pthread_mutex_lock(&st->lock);
  st->rc = rc;
  st->done = 1;
  pthread_cond_signal(&st->cond);
  pthread_mutex_unlock(&st->lock);
}

static void cb_header_done(rados_completion_t c, void* arg) {
  struct cb_stat* st = arg;
  int rc = rados_aio_get_return_value(c);
  rados_aio_release(c);
  for (int i = 1; i < 7; i++) {
    if (rc >= 0 && st->prval[i] < 0) rc = st->prval[i];
  }
  char buf[128];
  if (rc >= 0) rc = rados_pool_reverse_lookup(cluster, rados_ioctx_get_id(io), buf, sizeof(buf));
  cb_stat_finish(st, rc < 0 ? rc : 0);
}

static void cb_id_done(rados_completion_t c, void* arg) {
  struct cb_stat* st = arg;
  uint64_t head = (uint64_t)-2;
  char id[64];
  int rc = rados_aio_get_return_value(c);
  rados_aio_release(c);
  if (rc >= 0) rc = st->prval[0];
  if (rc >= 0 && (st->len[0] < 4 || st->len[0] - 4 >= sizeof(id))) rc = -EIO;
  if (rc < 0) return cb_stat_finish(st, rc);
  memcpy(id, st->out[0] + 4, st->len[0] - 4);
  id[st->len[0] - 4] = 0;
  snprintf(st->oid, sizeof(st->oid), "rbd_header.%s", id);
  rados_read_op_exec(st->header_op, "rbd", "get_size", (const char*)&head, 8, &st->out[1], &st->len[1], &st->prval[1]);
  rados_read_op_exec(st->header_op, "rbd", "get_features", (const char*)&head, 8, &st->out[2], &st->len[2], &st->prval[2]);
  rados_read_op_exec(st->header_op, "rbd", "get_object_prefix", NULL, 0, &st->out[3], &st->len[3], &st->prval[3]);
  rados_read_op_exec(st->header_op, "rbd", "get_flags", (const char*)&head, 8, &st->out[4], &st->len[4], &st->prval[4]);
  rados_read_op_exec(st->header_op, "rbd", "parent_get", NULL, 0, &st->out[5], &st->len[5], &st->prval[5]);
  rados_read_op_exec(st->header_op, "rbd", "get_data_pool", NULL, 0, &st->out[6], &st->len[6], &st->prval[6]);
  rados_completion_t next;
  if ((rc = rados_aio_create_completion2(st, cb_header_done, &next)) < 0) return cb_stat_finish(st, rc);
  if ((rc = rados_aio_read_op_operate(st->header_op, io, next, st->oid, 0)) < 0) {
    rados_aio_release(next);
    cb_stat_finish(st, rc);
  }
}

static int header_stat_callbacks(const char* name) {
  struct cb_stat st;
  memset(&st, 0, sizeof(st));
  pthread_mutex_init(&st.lock, NULL);
  pthread_cond_init(&st.cond, NULL);
  snprintf(st.oid, sizeof(st.oid), "rbd_id.%s", name);
  st.id_op = rados_create_read_op();
  st.header_op = rados_create_read_op();
  rados_read_op_exec(st.id_op, "rbd", "get_id", NULL, 0, &st.out[0], &st.len[0], &st.prval[0]);
  rados_completion_t c;
  int rc = rados_aio_create_completion2(&st, cb_id_done, &c);
  if (rc >= 0 && (rc = rados_aio_read_op_operate(st.id_op, io, c, st.oid, 0)) < 0) rados_aio_release(c);
  if (rc >= 0) {
    pthread_mutex_lock(&st.lock);
    while (!st.done) pthread_cond_wait(&st.cond, &st.lock);
    pthread_mutex_unlock(&st.lock);
    rc = st.rc;
  }
  rados_release_read_op(st.id_op);
  rados_release_read_op(st.header_op);
  for (int i = 0; i < 7; i++) {
    if (st.out[i]) rados_buffer_free(st.out[i]);
  }
  pthread_cond_destroy(&st.cond);
  pthread_mutex_destroy(&st.lock);
  return rc;
}

static int mon(const char* json) {
  const char* cmds[1] = {json};
  char *outbuf = NULL, *outs = NULL;
  size_t outbuf_len = 0, outs_len = 0;
  int rc = rados_mon_command(cluster, cmds, 1, "", 0, &outbuf, &outbuf_len, &outs, &outs_len);
  if (outbuf) rados_buffer_free(outbuf);
  if (outs) rados_buffer_free(outs);
  return rc;
}

static int run_op(const char* op, const char* prefix, int i) {
  char name[256], child[256], cmd[1024];
  snprintf(name, sizeof(name), "%s%d", prefix, i);
  snprintf(child, sizeof(child), "%sc%d", prefix, i);
  rbd_image_t img;
  int rc;
  if (!strcmp(op, "create")) return op_create(name);
  if (!strcmp(op, "open")) {
    if ((rc = open_rw(name, &img)) < 0) return rc;
    return rbd_close(img);
  }
  if (!strcmp(op, "stat")) return header_stat(name);
  if (!strcmp(op, "stat-callbacks")) return header_stat_callbacks(name);
  if (!strcmp(op, "resize")) {
    if ((rc = open_rw(name, &img)) < 0) return rc;
    // As Image.resize without allowShrink (native/src/image.cc): the size, then resize2 unless
    // that would shrink.
    uint64_t size;
    rc = rbd_get_size(img, &size);
    if (rc >= 0 && size <= (2ULL << 30)) rc = rbd_resize2(img, 2ULL << 30, 0, ignore_progress, NULL);
    rbd_close(img);
    return rc;
  }
  if (!strcmp(op, "snapshot")) {
    if ((rc = open_rw(name, &img)) < 0) return rc;
    rc = rbd_snap_create(img, "s");
    if (rc >= 0) rc = rbd_snap_protect(img, "s");
    rbd_close(img);
    return rc;
  }
  if (!strcmp(op, "clone")) {
    rbd_image_options_t opts;
    rbd_image_options_create(&opts);
    rc = rbd_image_options_set_uint64(opts, RBD_IMAGE_OPTION_FORMAT, 2);
    if (rc >= 0) rc = rbd_clone3(io, name, "s", io, child, opts);
    rbd_image_options_destroy(opts);
    return rc;
  }
  if (!strcmp(op, "flatten")) {
    if ((rc = open_rw(child, &img)) < 0) return rc;
    rc = rbd_flatten(img);
    rbd_close(img);
    return rc;
  }
  if (!strcmp(op, "remove")) return rbd_remove(io, child);
  if (!strcmp(op, "trash-move")) return rbd_trash_move(io, name, 0);
  if (!strcmp(op, "auth-get-or-create")) {
    snprintf(cmd, sizeof(cmd),
             "{\"prefix\":\"auth get-or-create\",\"entity\":\"client.%s\",\"caps\":[\"mon\",\"profile rbd\",\"osd\","
             "\"profile rbd pool=%s\"],\"format\":\"json\"}",
             name, pool_name);
    return mon(cmd);
  }
  if (!strcmp(op, "auth-caps")) {
    snprintf(cmd, sizeof(cmd),
             "{\"prefix\":\"auth caps\",\"entity\":\"client.%s\",\"caps\":[\"mon\",\"profile rbd\",\"osd\","
             "\"profile rbd-read-only pool=%s\"]}",
             name, pool_name);
    return mon(cmd);
  }
  if (!strcmp(op, "auth-del")) {
    snprintf(cmd, sizeof(cmd), "{\"prefix\":\"auth del\",\"entity\":\"client.%s\"}", name);
    return mon(cmd);
  }
  if (!strcmp(op, "pool-create-delete")) {
    snprintf(cmd, sizeof(cmd),
             "{\"prefix\":\"osd pool create\",\"pool\":\"%s\",\"pool_type\":\"replicated\",\"pg_num\":1,\"pgp_num\":1}", name);
    if ((rc = mon(cmd)) < 0) return rc;
    snprintf(cmd, sizeof(cmd),
             "{\"prefix\":\"osd pool delete\",\"pool\":\"%s\",\"pool2\":\"%s\",\"yes_i_really_really_mean_it\":true}", name,
             name);
    return mon(cmd);
  }
  fprintf(stderr, "rbdbench: unknown op %s\n", op);
  exit(2);
}

// N threads take names PREFIX0..PREFIX<TOTAL-1> in turn and run one operation on each.
struct parallel {
  const char* prefix;
  int total, next;
  int (*op)(const char* name);
  const char* what;
};

static void* parallel_loop(void* arg) {
  struct parallel* p = arg;
  char name[256];
  for (int i; (i = __atomic_fetch_add(&p->next, 1, __ATOMIC_RELAXED)) < p->total;) {
    snprintf(name, sizeof(name), "%s%d", p->prefix, i);
    int rc = p->op(name);
    if (rc < 0) die(p->what, rc);
  }
  return NULL;
}

// Runs the TOTAL operations with N in flight; returns the wall time in ms.
static double run_parallel(int n, int total, const char* prefix, int (*op)(const char*), const char* what) {
  pthread_t threads[256];
  struct parallel p = {prefix, total, 0, op, what};
  if (n < 1 || n > 256) die("concurrent: threads must be 1..256", -EINVAL);
  double t0 = now_ms();
  for (int t = 0; t < n; t++) pthread_create(&threads[t], NULL, parallel_loop, &p);
  for (int t = 0; t < n; t++) pthread_join(threads[t], NULL);
  return now_ms() - t0;
}

// N threads share TOTAL creates; returns ops/s.
static double run_concurrent(int n, int total, const char* prefix) {
  return total / (run_parallel(n, total, prefix, op_create, "concurrent create") / 1e3);
}

static int op_remove(const char* name) { return rbd_remove(io, name); }

// Each call handed to the next of a ring of threads and its result handed back, as libuv's
// threadpool does with the addon's calls: its longest-idle thread takes the next one, so calls
// made one at a time go round all of its threads. What that costs C is what it costs any addon
// on libuv's pool. The ring is as large as the bench's pool (UV_THREADPOOL_SIZE, libuv's 4 unless set).
struct rotor {
  pthread_t thread;
  sem_t go, done;
  const char *op, *prefix;
  int i, rc;
};
static struct rotor* rotors;
static int rotor_count, next_rotor;

static void* rotor_loop(void* arg) {
  struct rotor* r = arg;
  for (;;) {
    sem_wait(&r->go);
    r->rc = run_op(r->op, r->prefix, r->i);
    sem_post(&r->done);
  }
  return NULL;
}

static int run_rotated(const char* op, const char* prefix, int i) {
  if (!rotors) {
    const char* size = getenv("UV_THREADPOOL_SIZE");
    rotor_count = size ? atoi(size) : 4;
    if (rotor_count < 1 || rotor_count > 1024) die("rotated: UV_THREADPOOL_SIZE must be 1..1024", -EINVAL);
    rotors = calloc(rotor_count, sizeof(*rotors));
    for (int t = 0; t < rotor_count; t++) {
      sem_init(&rotors[t].go, 0, 0);
      sem_init(&rotors[t].done, 0, 0);
      pthread_create(&rotors[t].thread, NULL, rotor_loop, &rotors[t]);
    }
  }
  struct rotor* r = &rotors[next_rotor++ % rotor_count];
  r->op = op;
  r->prefix = prefix;
  r->i = i;
  sem_post(&r->go);
  sem_wait(&r->done);
  return r->rc;
}

static double cpu_ms(void) {
  struct rusage r;
  getrusage(RUSAGE_SELF, &r);
  return (r.ru_utime.tv_sec + r.ru_stime.tv_sec) * 1e3 + (r.ru_utime.tv_usec + r.ru_stime.tv_usec) / 1e3;
}

int main(int argc, char** argv) {
  if (argc < 4 || (strcmp(argv[3], "serve") && argc < 6)) {
    fprintf(stderr, "usage: rbdbench CONF POOL OP ITERATIONS PREFIX | CONF POOL concurrent[-remove] N TOTAL PREFIX\n");
    return 2;
  }
  const char* conf = argv[1];
  pool_name = argv[2];
  const char* op = argv[3];
  int rc = rados_create2(&cluster, "ceph", "client.admin", 0);
  if (rc < 0) die("rados_create2", rc);
  if ((rc = rados_conf_read_file(cluster, conf)) < 0) die("conf", rc);
  // The settings native/cluster.ts gives every connection, so both clients behave alike.
  const char* settings[][2] = {{"log_to_stderr", "false"},       {"err_to_stderr", "false"},
                               {"client_mount_timeout", "10"},    {"rados_osd_op_timeout", "30"},
                               {"rados_mon_op_timeout", "30"}};
  for (size_t s = 0; s < sizeof(settings) / sizeof(settings[0]); s++) {
    if ((rc = rados_conf_set(cluster, settings[s][0], settings[s][1])) < 0) die(settings[s][0], rc);
  }
  if ((rc = rados_connect(cluster)) < 0) die("connect", rc);
  if ((rc = rados_ioctx_create(cluster, pool_name, &io)) < 0) die("ioctx", rc);
  if (!strcmp(op, "serve")) {
    char line[512], sop[64], sprefix[256];
    int i;
    setvbuf(stdout, NULL, _IOLBF, 0);
    while (fgets(line, sizeof(line), stdin)) {
      int n, total;
      if (sscanf(line, "concurrent %d %d %255s", &n, &total, sprefix) == 3) {
        printf("%.4f\n", run_concurrent(n, total, sprefix));
        continue;
      }
      int rotated = sscanf(line, "rotated %63s %255s %d", sop, sprefix, &i) == 3;
      if (!rotated && sscanf(line, "%63s %255s %d", sop, sprefix, &i) != 3) continue;
      double t0 = now_ms();
      rc = rotated ? run_rotated(sop, sprefix, i) : run_op(sop, sprefix, i);
      double ms = now_ms() - t0;
      if (rc < 0) printf("error %s\n", strerror(-rc));
      else printf("%.4f\n", ms);
    }
  } else if (!strcmp(op, "concurrent")) {
    printf("%f\n", run_concurrent(atoi(argv[4]), atoi(argv[5]), argc > 6 ? argv[6] : "cc"));
  } else if (!strcmp(op, "concurrent-remove")) {
    double cpu0 = cpu_ms();
    double ms = run_parallel(atoi(argv[4]), atoi(argv[5]), argc > 6 ? argv[6] : "cc", op_remove, "concurrent remove");
    printf("%.1f %.1f\n", ms, cpu_ms() - cpu0);
  } else {
    int iterations = atoi(argv[4]);
    const char* prefix = argv[5];
    for (int i = 0; i < iterations; i++) {
      double t0 = now_ms();
      rc = run_op(op, prefix, i);
      double ms = now_ms() - t0;
      if (rc < 0) {
        fprintf(stderr, "rbdbench: %s %s%d: %s\n", op, prefix, i, strerror(-rc));
        return 1;
      }
      printf("%.4f\n", ms);
    }
  }
  rados_ioctx_destroy(io);
  rados_shutdown(cluster);
  return 0;
}
