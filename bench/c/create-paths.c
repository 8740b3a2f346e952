// An experiment for RbdImage create's next design (bench/results/NOTES.md, "Create without a rename"):
// two ways to make an image that carries its owner marker, serially, timed in CPU of this process
// (librbd's threads included) and wall time. Run the OSD's CPU beside it from /proc.
//   staged (today's create): rbd_create4 under a staging name; open rw + rbd_metadata_set + stat +
//           close; rbd_rename to the declared name
//   direct: an omap intent on a pool object (what makes an unmarked image at the declared name
//           recognisable as ours after a crash); rbd_create4 under the declared name; read
//           rbd_id.<name>; cls rbd.metadata_set on rbd_header.<id>; open ro + metadata_get + stat +
//           close; the intent removed
//   create-only: rbd_create4 under the declared name and nothing else (what no design goes below)
//   staged-cls: staged, with direct's marker step (cls metadata_set, open ro) before the rename
//   gcc -O2 -Wall -o create-paths bench/c/create-paths.c -lrbd -lrados
//   create-paths CONF POOL staged|staged-cls|direct|create-only N PREFIX
#include <rados/librados.h>
#include <rbd/librbd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <stdint.h>
#include <sys/resource.h>
#include <time.h>
static rados_t cluster; static rados_ioctx_t io;
static void die(const char* w, int rc) { fprintf(stderr, "%s: %d %s\n", w, rc, strerror(-rc)); exit(1); }
static double cpu_ms(void) { struct rusage r; getrusage(RUSAGE_SELF, &r);
  return (r.ru_utime.tv_sec + r.ru_stime.tv_sec) * 1e3 + (r.ru_utime.tv_usec + r.ru_stime.tv_usec) / 1e3; }
static double wall_ms(void) { struct timespec t; clock_gettime(CLOCK_MONOTONIC, &t); return t.tv_sec * 1e3 + t.tv_nsec / 1e6; }
static void stat_close(rbd_image_t img) { rbd_image_info_t info; uint64_t f; char b[128];
  int rc = rbd_stat(img, &info, sizeof info); if (rc < 0) die("stat", rc);
  rbd_get_id(img, b, sizeof b); rbd_get_features(img, &f); rbd_close(img); }
static const char* KEY = "pulumi-ceph-openstack.owner"; static const char* VAL = "proj/stack/img";
static size_t put32(char* p, uint32_t v) { memcpy(p, &v, 4); return 4; }
// Reads the image's id from rbd_id.<name>, sets the marker on its header with one cls call, then
// opens it read-only to check the marker and stat it.
static void mark_by_cls(const char* name) {
  char idobj[160], buf[256], hdr[200]; int rc;
  snprintf(idobj, sizeof idobj, "rbd_id.%s", name);
  if ((rc = rados_read(io, idobj, buf, sizeof buf, 0)) < 4) die("read id", rc);
  uint32_t idlen; memcpy(&idlen, buf, 4); snprintf(hdr, sizeof hdr, "rbd_header.%.*s", (int)idlen, buf + 4);
  char in[512]; size_t o = 0; o += put32(in + o, 1); o += put32(in + o, strlen(KEY)); memcpy(in + o, KEY, strlen(KEY)); o += strlen(KEY);
  o += put32(in + o, strlen(VAL)); memcpy(in + o, VAL, strlen(VAL)); o += strlen(VAL);
  if ((rc = rados_exec(io, hdr, "rbd", "metadata_set", in, o, NULL, 0)) < 0) die("cls metadata_set", rc);
  rbd_image_t img; if ((rc = rbd_open_read_only(io, name, &img, NULL)) < 0) die("open ro", rc);
  char got[128]; size_t gl = sizeof got; if ((rc = rbd_metadata_get(img, KEY, got, &gl)) < 0) die("metadata_get", rc);
  stat_close(img);
}
int main(int argc, char** argv) {
  const char* mode = argv[3]; int n = atoi(argv[4]); const char* prefix = argv[5];
  int rc; if ((rc = rados_create(&cluster, "admin")) < 0) die("create", rc);
  rados_conf_read_file(cluster, argv[1]); if ((rc = rados_connect(cluster)) < 0) die("connect", rc);
  if ((rc = rados_ioctx_create(cluster, argv[2], &io)) < 0) die("ioctx", rc);
  double c0 = cpu_ms(), w0 = wall_ms();
  for (int i = 0; i < n; i++) {
    char name[128], staging[160]; snprintf(name, sizeof name, "%s%d", prefix, i);
    rbd_image_options_t opts; rbd_image_options_create(&opts);
    if (!strcmp(mode, "staged")) {
      snprintf(staging, sizeof staging, ".pulumi-new.%s", name);
      if ((rc = rbd_create4(io, staging, 1ULL << 30, opts)) < 0) die("create4", rc);
      rbd_image_t img; if ((rc = rbd_open(io, staging, &img, NULL)) < 0) die("open", rc);
      if ((rc = rbd_metadata_set(img, KEY, VAL)) < 0) die("metadata_set", rc);
      stat_close(img);
      if ((rc = rbd_rename(io, staging, name)) < 0) die("rename", rc);
    } else if (!strcmp(mode, "create-only")) {
      if ((rc = rbd_create4(io, name, 1ULL << 30, opts)) < 0) die("create4", rc);
    } else if (!strcmp(mode, "staged-cls")) {
      snprintf(staging, sizeof staging, ".pulumi-new.%s", name);
      if ((rc = rbd_create4(io, staging, 1ULL << 30, opts)) < 0) die("create4", rc);
      mark_by_cls(staging);
      if ((rc = rbd_rename(io, staging, name)) < 0) die("rename", rc);
    } else {
      const char* keys[1] = { name }; const char* vals[1] = { VAL }; size_t lens[1] = { strlen(VAL) };
      rados_write_op_t w = rados_create_write_op(); rados_write_op_omap_set(w, keys, vals, lens, 1);
      if ((rc = rados_write_op_operate(w, io, "pulumi-ceph-openstack.creating", NULL, 0)) < 0) die("intent", rc);
      rados_release_write_op(w);
      if ((rc = rbd_create4(io, name, 1ULL << 30, opts)) < 0) die("create4", rc);
      mark_by_cls(name);
      w = rados_create_write_op(); rados_write_op_omap_rm_keys(w, keys, 1);
      if ((rc = rados_write_op_operate(w, io, "pulumi-ceph-openstack.creating", NULL, 0)) < 0) die("intent rm", rc);
      rados_release_write_op(w);
    }
    rbd_image_options_destroy(opts);
  }
  printf("%s n=%d cpu %.2f ms/image wall %.2f ms/image\n", mode, n, (cpu_ms() - c0) / n, (wall_ms() - w0) / n);
  return 0;
}
