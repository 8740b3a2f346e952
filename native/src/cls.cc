// One object-class method call on one RADOS object (rados_write_op_exec): what librbd itself sends to an
// image's header, for the one step where opening the image costs more than the step (the owner
// marker on an image just created, which nobody else can have open yet).
#include "handles.h"

namespace ceph_native {

namespace {

// objectExec(ioctx, oid, cls, method, input: Buffer): one object-class method in one write op,
// guarded by an existence assert: a cls write method on a missing object would create it (an
// rbd_header.<id> for no image), so a wrong id is ENOENT and writes nothing. The reply is dropped
// (rados write ops return none); only methods that answer with nothing belong here.
Napi::Value ObjectExec(const Napi::CallbackInfo& info) {
  auto ioctx = UnwrapIoCtx(info[0]);
  auto oid = StringArg(info, 1, "oid");
  auto cls = StringArg(info, 2, "cls");
  auto method = StringArg(info, 3, "method");
  auto input = BytesArg(info, 4, "input");
  return Queue(info.Env(), "object class call", {ioctx}, [ioctx, oid, cls, method, input]() -> int {
    int prval = 0;
    rados_write_op_t op = rados_create_write_op();
    rados_write_op_assert_exists(op);
    rados_write_op_exec(op, cls.c_str(), method.c_str(), input.data(), input.size(), &prval);
    int rc = rados_write_op_operate2(op, ioctx->raw(), oid.c_str(), nullptr, 0);
    rados_release_write_op(op);
    return rc < 0 ? rc : prval;
  });
}

}  // namespace

void InitCls(Napi::Env env, Napi::Object exports) {
  exports.Set("objectExec", Napi::Function::New(env, ObjectExec, "objectExec"));
}

}  // namespace ceph_native
