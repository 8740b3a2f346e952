// The floor for an asynchronous Node addon: what any addon that must not block the JS thread pays
// for the bench's call sequences, so the bench can tell Node's share of an operation from ours.
// Built by bench/ops.ts with g++ against Node's headers; plain Node-API, no node-addon-api.
//
// The stat: the same two reads as native/src/header.cc (cls_rbd get_id, then the header's six
// methods in one op) as librados aio ops with completion callbacks, the result handed to the JS
// thread through a thread-safe function and resolved as an object of the addon's nine properties.
//
// create, resize: each one librbd call sequence as native/src/image.cc runs it (the resize: the
// size, then rbd_resize2 unless that would shrink), in one napi_async_work on libuv's threadpool
// (what node-addon-api's AsyncWorker wraps), the promise settled on the JS thread. open,
// closeImage: librbd's aio open and close as native/src/open.cc makes them, started from the JS
// thread, the completion handed back through a thread-safe function. An open image is a napi
// external.
//
// Nothing else: no handle guard or lease, no backstop, no name check, no typed errors.
//
//   const f = require(".../node-floor.node");
//   f.connect(conf, pool);           // blocking: bench set-up only
//   await f.stat(name);              // {size, objectSize, order, numObjs, blockNamePrefix, id, features, flags, dataPool}
//   await f.create(name, size);
//   const img = await f.open(name); const before = await f.resize(img, size); await f.closeImage(img);
//   f.close();
#include <node_api.h>
#include <rados/librados.h>
#include <rbd/librbd.h>

#include <cerrno>
#include <cstdint>
#include <cstring>
#include <string>


namespace {

rados_t cluster = nullptr;
rados_ioctx_t io = nullptr;
napi_threadsafe_function tsfn = nullptr;
int inflight = 0;  // JS thread only: the function holds the loop open only while stats are in flight
napi_threadsafe_function aio_tsfn = nullptr;  // the open and the close, likewise
int aio_inflight = 0;
void SettleAio(napi_env env, napi_value, void*, void* data);
const uint64_t kHead = UINT64_MAX - 1;  // CEPH_NOSNAP

struct Job {
  napi_deferred deferred;
  std::string oid;
  rados_read_op_t id_op = nullptr, header_op = nullptr;
  char* out[7] = {};
  size_t len[7] = {};
  int prval[7] = {};
  std::string id, data_pool;
  int rc = 0;
};

void Finish(Job* j, int rc) {
  j->rc = rc;
  napi_call_threadsafe_function(tsfn, j, napi_tsfn_nonblocking);
}

// A cls reply's string: a 32-bit length, then the bytes.
bool ReplyString(const char* buf, size_t len, std::string* s) {
  uint32_t n;
  if (len < 4) return false;
  memcpy(&n, buf, 4);
  if (len - 4 < n) return false;
  s->assign(buf + 4, n);
  return true;
}

void OnHeader(rados_completion_t c, void* arg) {
  auto* j = static_cast<Job*>(arg);
  int rc = rados_aio_get_return_value(c);
  rados_aio_release(c);
  for (int i = 1; i < 7 && rc >= 0; i++) rc = j->prval[i] < 0 ? j->prval[i] : rc;
  if (rc >= 0) {
    char name[128];
    rc = rados_pool_reverse_lookup(cluster, rados_ioctx_get_id(io), name, sizeof(name));
    if (rc >= 0) j->data_pool.assign(name, strnlen(name, sizeof(name)));
  }
  Finish(j, rc < 0 ? rc : 0);
}

void OnId(rados_completion_t c, void* arg) {
  auto* j = static_cast<Job*>(arg);
  int rc = rados_aio_get_return_value(c);
  rados_aio_release(c);
  if (rc >= 0) rc = j->prval[0];
  if (rc >= 0 && !ReplyString(j->out[0], j->len[0], &j->id)) rc = -EIO;
  if (rc < 0) return Finish(j, rc);
  j->oid = "rbd_header." + j->id;
  const char* head = reinterpret_cast<const char*>(&kHead);
  rados_read_op_exec(j->header_op, "rbd", "get_size", head, 8, &j->out[1], &j->len[1], &j->prval[1]);
  rados_read_op_exec(j->header_op, "rbd", "get_features", head, 8, &j->out[2], &j->len[2], &j->prval[2]);
  rados_read_op_exec(j->header_op, "rbd", "get_object_prefix", nullptr, 0, &j->out[3], &j->len[3], &j->prval[3]);
  rados_read_op_exec(j->header_op, "rbd", "get_flags", head, 8, &j->out[4], &j->len[4], &j->prval[4]);
  rados_read_op_exec(j->header_op, "rbd", "parent_get", nullptr, 0, &j->out[5], &j->len[5], &j->prval[5]);
  rados_read_op_exec(j->header_op, "rbd", "get_data_pool", nullptr, 0, &j->out[6], &j->len[6], &j->prval[6]);
  rados_completion_t next;
  if ((rc = rados_aio_create_completion2(j, OnHeader, &next)) < 0) return Finish(j, rc);
  if ((rc = rados_aio_read_op_operate(j->header_op, io, next, j->oid.c_str(), 0)) < 0) {
    rados_aio_release(next);
    Finish(j, rc);
  }
}

void SetNumber(napi_env env, napi_value obj, const char* key, double v) {
  napi_value x;
  napi_create_double(env, v, &x);
  napi_set_named_property(env, obj, key, x);
}

void SetString(napi_env env, napi_value obj, const char* key, const std::string& s) {
  napi_value x;
  napi_create_string_utf8(env, s.data(), s.size(), &x);
  napi_set_named_property(env, obj, key, x);
}

// On the JS thread: the result object (decoded as the addon decodes it), the promise settled.
void Settle(napi_env env, napi_value, void*, void* data) {
  auto* j = static_cast<Job*>(data);
  if (env != nullptr) {
    uint8_t order = 0;
    uint64_t size = 0, features = 0, flags = 0;
    std::string prefix;
    if (j->rc == 0 && (j->len[1] < 9 || j->len[2] < 8 || j->len[4] < 8 || !ReplyString(j->out[3], j->len[3], &prefix))) j->rc = -EIO;
    if (j->rc < 0) {
      napi_value msg, err;
      napi_create_string_utf8(env, strerror(-j->rc), NAPI_AUTO_LENGTH, &msg);
      napi_create_error(env, nullptr, msg, &err);
      napi_reject_deferred(env, j->deferred, err);
    } else {
      order = static_cast<uint8_t>(j->out[1][0]);
      memcpy(&size, j->out[1] + 1, 8);
      memcpy(&features, j->out[2], 8);
      memcpy(&flags, j->out[4], 8);
      const uint64_t object_size = uint64_t{1} << order;
      napi_value r, f;
      napi_create_object(env, &r);
      SetNumber(env, r, "size", static_cast<double>(size));
      SetNumber(env, r, "objectSize", static_cast<double>(object_size));
      SetNumber(env, r, "order", order);
      SetNumber(env, r, "numObjs", static_cast<double>((size + object_size - 1) / object_size));
      SetString(env, r, "blockNamePrefix", prefix);
      SetString(env, r, "id", j->id);
      napi_create_bigint_uint64(env, features, &f);
      napi_set_named_property(env, r, "features", f);
      SetNumber(env, r, "flags", static_cast<double>(flags));
      SetString(env, r, "dataPool", j->data_pool);
      napi_resolve_deferred(env, j->deferred, r);
    }
    if (--inflight == 0) napi_unref_threadsafe_function(env, tsfn);
  }
  for (char* o : j->out) {
    if (o != nullptr) rados_buffer_free(o);
  }
  rados_release_read_op(j->id_op);
  rados_release_read_op(j->header_op);
  delete j;
}

napi_value Throw(napi_env env, const char* what, int rc) {
  std::string m = std::string(what) + ": " + strerror(-rc);
  napi_throw_error(env, nullptr, m.c_str());
  return nullptr;
}

std::string StringArg(napi_env env, napi_value v) {
  size_t n = 0;
  napi_get_value_string_utf8(env, v, nullptr, 0, &n);
  std::string s(n, '\0');
  napi_get_value_string_utf8(env, v, &s[0], n + 1, &n);
  return s;
}

napi_value Connect(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr);
  if (argc < 2) return Throw(env, "connect(conf, pool)", -EINVAL);
  const std::string conf = StringArg(env, argv[0]), pool = StringArg(env, argv[1]);
  int rc = rados_create2(&cluster, "ceph", "client.admin", 0);
  if (rc < 0) return Throw(env, "rados_create2", rc);
  if ((rc = rados_conf_read_file(cluster, conf.c_str())) < 0) return Throw(env, "conf", rc);
  // The settings native/cluster.ts gives every connection (as rbdbench.c).
  const char* settings[][2] = {{"log_to_stderr", "false"},    {"err_to_stderr", "false"},      {"client_mount_timeout", "10"},
                               {"rados_osd_op_timeout", "30"}, {"rados_mon_op_timeout", "30"}};
  for (auto& s : settings) {
    if ((rc = rados_conf_set(cluster, s[0], s[1])) < 0) return Throw(env, s[0], rc);
  }
  if ((rc = rados_connect(cluster)) < 0) return Throw(env, "connect", rc);
  if ((rc = rados_ioctx_create(cluster, pool.c_str(), &io)) < 0) return Throw(env, "ioctx", rc);
  napi_value name;
  napi_create_string_utf8(env, "node floor stat", NAPI_AUTO_LENGTH, &name);
  napi_create_threadsafe_function(env, nullptr, nullptr, name, 0, 1, nullptr, nullptr, nullptr, Settle, &tsfn);
  napi_unref_threadsafe_function(env, tsfn);
  napi_create_string_utf8(env, "node floor open and close", NAPI_AUTO_LENGTH, &name);
  napi_create_threadsafe_function(env, nullptr, nullptr, name, 0, 1, nullptr, nullptr, nullptr, SettleAio, &aio_tsfn);
  napi_unref_threadsafe_function(env, aio_tsfn);
  return nullptr;
}

napi_value Stat(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value arg, promise;
  napi_get_cb_info(env, info, &argc, &arg, nullptr, nullptr);
  if (io == nullptr) return Throw(env, "stat before connect", -ENOTCONN);
  auto* j = new Job;
  napi_create_promise(env, &j->deferred, &promise);
  if (inflight++ == 0) napi_ref_threadsafe_function(env, tsfn);
  j->oid = "rbd_id." + StringArg(env, arg);
  j->id_op = rados_create_read_op();
  j->header_op = rados_create_read_op();
  rados_read_op_exec(j->id_op, "rbd", "get_id", nullptr, 0, &j->out[0], &j->len[0], &j->prval[0]);
  rados_completion_t c;
  int rc = rados_aio_create_completion2(j, OnId, &c);
  if (rc >= 0 && (rc = rados_aio_read_op_operate(j->id_op, io, c, j->oid.c_str(), 0)) < 0) rados_aio_release(c);
  if (rc < 0) Finish(j, rc);
  return promise;
}

// One librbd call sequence on libuv's threadpool; the promise settled with its result on the JS thread.
struct Work {
  napi_async_work work = nullptr;
  napi_deferred deferred = nullptr;
  std::string name;
  uint64_t size = 0;
  rbd_image_t image = nullptr;
  int (*run)(Work*) = nullptr;
  bool resolve_image = false;  // the open: resolve with the image as an external
  int rc = 0;
};

int RunCreate(Work* w) {
  rbd_image_options_t opts;
  rbd_image_options_create(&opts);
  int rc = rbd_create4(io, w->name.c_str(), w->size, opts);
  rbd_image_options_destroy(opts);
  return rc;
}

int IgnoreProgress(uint64_t, uint64_t, void*) { return 0; }

// As ImageResize (native/src/image.cc) without allowShrink; resolves with the size before.
int RunResize(Work* w) {
  uint64_t target = w->size;
  int rc = rbd_get_size(w->image, &w->size);
  if (rc < 0 || target < w->size) return rc;
  return rbd_resize2(w->image, target, false, IgnoreProgress, nullptr);
}

void Execute(napi_env, void* data) {
  auto* w = static_cast<Work*>(data);
  w->rc = w->run(w);
}

void SettleWork(napi_env env, Work* w) {
  napi_value result;
  if (w->rc < 0) {
    napi_value msg;
    napi_create_string_utf8(env, strerror(-w->rc), NAPI_AUTO_LENGTH, &msg);
    napi_create_error(env, nullptr, msg, &result);
    napi_reject_deferred(env, w->deferred, result);
  } else {
    if (w->resolve_image) {
      napi_create_external(env, w->image, nullptr, nullptr, &result);
    } else {
      napi_create_double(env, static_cast<double>(w->size), &result);
    }
    napi_resolve_deferred(env, w->deferred, result);
  }
}

void Complete(napi_env env, napi_status, void* data) {
  auto* w = static_cast<Work*>(data);
  SettleWork(env, w);
  napi_delete_async_work(env, w->work);
  delete w;
}

napi_value QueueWork(napi_env env, Work* w) {
  napi_value promise, name;
  napi_create_promise(env, &w->deferred, &promise);
  napi_create_string_utf8(env, "node floor", NAPI_AUTO_LENGTH, &name);
  napi_create_async_work(env, nullptr, name, Execute, Complete, w, &w->work);
  napi_queue_async_work(env, w->work);
  return promise;
}

// (name, size?) or (image, size?) from the JS call.
Work* ReadArgs(napi_env env, napi_callback_info info, bool takes_image) {
  size_t argc = 2;
  napi_value argv[2];
  napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr);
  auto* w = new Work;
  if (takes_image) {
    void* image = nullptr;
    napi_get_value_external(env, argv[0], &image);
    w->image = static_cast<rbd_image_t>(image);
  } else {
    w->name = StringArg(env, argv[0]);
  }
  if (argc > 1) {
    double size = 0;
    napi_get_value_double(env, argv[1], &size);
    w->size = static_cast<uint64_t>(size);
  }
  return w;
}

napi_value Blocking(napi_env env, napi_callback_info info, int (*run)(Work*), bool takes_image) {
  if (io == nullptr) return Throw(env, "call before connect", -ENOTCONN);
  Work* w = ReadArgs(env, info, takes_image);
  w->run = run;
  return QueueWork(env, w);
}

void OnAioDone(rbd_completion_t c, void* arg) {
  auto* w = static_cast<Work*>(arg);
  w->rc = static_cast<int>(rbd_aio_get_return_value(c));
  rbd_aio_release(c);
  napi_call_threadsafe_function(aio_tsfn, w, napi_tsfn_nonblocking);
}

void SettleAio(napi_env env, napi_value, void*, void* data) {
  auto* w = static_cast<Work*>(data);
  if (env != nullptr) {
    SettleWork(env, w);
    if (--aio_inflight == 0) napi_unref_threadsafe_function(env, aio_tsfn);
  }
  delete w;
}

// The open (resolving with the image) or the close, started here and settled by SettleAio.
napi_value Aio(napi_env env, napi_callback_info info, bool open) {
  if (io == nullptr) return Throw(env, "call before connect", -ENOTCONN);
  Work* w = ReadArgs(env, info, !open);
  w->resolve_image = open;
  napi_value promise;
  napi_create_promise(env, &w->deferred, &promise);
  if (aio_inflight++ == 0) napi_ref_threadsafe_function(env, aio_tsfn);
  rbd_completion_t c;
  int rc = rbd_aio_create_completion(w, OnAioDone, &c);
  if (rc >= 0) {
    rc = open ? rbd_aio_open(io, w->name.c_str(), &w->image, nullptr, c) : rbd_aio_close(w->image, c);
    if (rc < 0) rbd_aio_release(c);
  }
  if (rc < 0) {
    w->rc = rc;
    napi_call_threadsafe_function(aio_tsfn, w, napi_tsfn_nonblocking);
  }
  return promise;
}

napi_value Create(napi_env env, napi_callback_info info) { return Blocking(env, info, RunCreate, false); }
napi_value Open(napi_env env, napi_callback_info info) { return Aio(env, info, true); }
napi_value Resize(napi_env env, napi_callback_info info) { return Blocking(env, info, RunResize, true); }
napi_value CloseImage(napi_env env, napi_callback_info info) { return Aio(env, info, false); }

napi_value Close(napi_env, napi_callback_info) {
  if (io != nullptr) rados_ioctx_destroy(io);
  if (cluster != nullptr) rados_shutdown(cluster);
  if (tsfn != nullptr) napi_release_threadsafe_function(tsfn, napi_tsfn_release);
  if (aio_tsfn != nullptr) napi_release_threadsafe_function(aio_tsfn, napi_tsfn_release);
  io = nullptr;
  cluster = nullptr;
  tsfn = nullptr;
  aio_tsfn = nullptr;
  return nullptr;
}

napi_value Init(napi_env env, napi_value exports) {
  const napi_property_descriptor fns[] = {
      {"connect", nullptr, Connect, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"stat", nullptr, Stat, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"close", nullptr, Close, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"create", nullptr, Create, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"open", nullptr, Open, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"resize", nullptr, Resize, nullptr, nullptr, nullptr, napi_default, nullptr},
      {"closeImage", nullptr, CloseImage, nullptr, nullptr, nullptr, napi_default, nullptr},
  };
  napi_define_properties(env, exports, sizeof(fns) / sizeof(fns[0]), fns);
  return exports;
}

}  // namespace

NAPI_MODULE(NODE_GYP_MODULE_NAME, Init)
