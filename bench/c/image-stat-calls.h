// The calls native/src/image.cc's FillStat makes on an open image (stat, id, block name prefix,
// features, flags, data pool by id and name, parent), for the bench's floors: rbdbench.c (C) and
// bench/napi/node-floor.cc (C++) both include it, so the two floors make the same calls.
#ifndef BENCH_IMAGE_STAT_CALLS_H
#define BENCH_IMAGE_STAT_CALLS_H

#include <errno.h>
#include <rados/librados.h>
#include <rbd/librbd.h>
#include <stdint.h>

// 0 or -errno; the image's size in *size.
static inline int image_stat_calls(rados_t cluster, rbd_image_t img, uint64_t* size) {
  rbd_image_info_t info;
  char buf[128];
  uint64_t features, flags;
  int rc = rbd_stat(img, &info, sizeof(info));
  if (rc < 0) return rc;
  *size = info.size;
  if ((rc = rbd_get_id(img, buf, sizeof(buf))) < 0) return rc;
  if ((rc = rbd_get_block_name_prefix(img, buf, sizeof(buf))) < 0) return rc;
  if ((rc = rbd_get_features(img, &features)) < 0) return rc;
  if ((rc = rbd_get_flags(img, &flags)) < 0) return rc;
  int64_t data_pool_id = rbd_get_data_pool_id(img);
  if (data_pool_id < 0) return (int)data_pool_id;
  if ((rc = rados_pool_reverse_lookup(cluster, data_pool_id, buf, sizeof(buf))) < 0) return rc;
  rbd_linked_image_spec_t parent;
  rbd_snap_spec_t snap;
  rc = rbd_get_parent(img, &parent, &snap);
  if (rc == -ENOENT) return 0;
  if (rc < 0) return rc;
  rbd_linked_image_spec_cleanup(&parent);
  rbd_snap_spec_cleanup(&snap);
  return 0;
}

#endif
