// Cluster connection: connect (one attempt; TypeScript does the retries), close, fsid,
// the newest osdmap, mon and mgr commands.
#include <cerrno>
#include <cstring>

#include "handles.h"

namespace ceph_native {

namespace {

struct ConnectSpec {
  std::string cluster_name;
  std::string entity;
  std::string conf;          // empty: none
  bool read_default_conf = false;
  std::vector<std::pair<std::string, std::string>> config;  // applied in order, after the conf file
};

// connect({clusterName, entity, conf?, readDefaultConf, config: [[name, value], ...]}) -> cluster handle
Napi::Value Connect(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (!info[0].IsObject()) throw Napi::TypeError::New(env, "connect: options object expected");
  auto opts = info[0].As<Napi::Object>();
  auto spec = std::make_shared<ConnectSpec>();
  spec->cluster_name = opts.Get("clusterName").ToString();
  spec->entity = opts.Get("entity").ToString();
  if (opts.Get("conf").IsString()) spec->conf = opts.Get("conf").As<Napi::String>();
  spec->read_default_conf = opts.Get("readDefaultConf").ToBoolean();
  if (opts.Get("config").IsArray()) {
    auto config = opts.Get("config").As<Napi::Array>();
    for (uint32_t i = 0; i < config.Length(); ++i) {
      auto pair = config.Get(i).As<Napi::Array>();
      spec->config.emplace_back(pair.Get(0u).ToString(), pair.Get(1u).ToString());
    }
  }

  auto rados_out = std::make_shared<rados_t>(nullptr);
  // Which setup step failed (empty: the connect itself); names options, never their values.
  auto step = std::make_shared<std::string>();
  return Queue(
      env, "connect", {},
      [spec, rados_out, step]() -> int {
        rados_t rados = nullptr;
        *step = "create cluster handle";
        int rc = rados_create2(&rados, spec->cluster_name.c_str(), spec->entity.c_str(), 0);
        if (rc < 0) return rc;
        if (!spec->conf.empty() || spec->read_default_conf) {
          *step = spec->conf.empty() ? "read default config" : "read config " + spec->conf;
          rc = rados_conf_read_file(rados, spec->conf.empty() ? nullptr : spec->conf.c_str());
        }
        for (size_t i = 0; rc >= 0 && i < spec->config.size(); ++i) {
          *step = "set config option " + spec->config[i].first;
          rc = rados_conf_set(rados, spec->config[i].first.c_str(), spec->config[i].second.c_str());
        }
        if (rc >= 0) {
          step->clear();  // no detail: the op itself ("connect") failed
          rc = rados_connect(rados);
        }
        if (rc < 0) {
          rados_shutdown(rados);  // the handle cannot be reused after a failed connect
          return rc;
        }
        *rados_out = rados;
        return 0;
      },
      [rados_out](Napi::Env env) { return Wrap(env, std::make_shared<ClusterCore>(*rados_out)); },
      step);
}

Napi::Value ClusterClose(const Napi::CallbackInfo& info) {
  return QueueClose(info.Env(), "close cluster", UnwrapCluster(info[0]));
}

Napi::Value ClusterFsid(const Napi::CallbackInfo& info) {
  auto cluster = UnwrapCluster(info[0]);
  auto fsid = std::make_shared<std::string>();
  return Queue(
      info.Env(), "get fsid", {cluster},
      [cluster, fsid]() -> int {
        char buf[64] = {0};
        int rc = rados_cluster_fsid(cluster->raw(), buf, sizeof(buf) - 1);
        if (rc < 0) return rc;
        fsid->assign(buf, strnlen(buf, sizeof(buf)));
        return 0;
      },
      [fsid](Napi::Env env) { return Napi::String::New(env, *fsid); });
}

// waitForLatestOsdmap(cluster): fetches the newest osdmap, so a pool name resolves to the pool
// that exists now (a pool deleted and made again under its name has a new id).
Napi::Value WaitForLatestOsdmap(const Napi::CallbackInfo& info) {
  auto cluster = UnwrapCluster(info[0]);
  return Queue(info.Env(), "wait for latest osdmap", {cluster},
               [cluster] { return rados_wait_for_latest_osdmap(cluster->raw()); });
}

struct CommandResult {
  std::string outbuf;
  std::string outs;
};

// monCommand(cluster, json, input?) / mgrCommand(...) -> {outs, outbuf}; rejects with detail = outs.
template <bool kMgr>
Napi::Value Command(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  auto cluster = UnwrapCluster(info[0]);
  auto command = std::make_shared<std::string>(StringArg(info, 1, "command"));
  auto input = std::make_shared<std::string>();
  if (info[2].IsBuffer()) {
    auto buf = info[2].As<Napi::Buffer<char>>();
    input->assign(buf.Data(), buf.Length());
  }
  auto result = std::make_shared<CommandResult>();
  auto detail = std::make_shared<std::string>();
  return Queue(
      env, kMgr ? "mgr command" : "mon command", {cluster},
      [cluster, command, input, result, detail]() -> int {
        const char* cmds[] = {command->c_str()};
        char* outbuf = nullptr;
        char* outs = nullptr;
        size_t outbuf_len = 0, outs_len = 0;
        int rc = kMgr ? rados_mgr_command(cluster->raw(), cmds, 1, input->data(), input->size(),
                                          &outbuf, &outbuf_len, &outs, &outs_len)
                      : rados_mon_command(cluster->raw(), cmds, 1, input->data(), input->size(),
                                          &outbuf, &outbuf_len, &outs, &outs_len);
        if (outbuf) result->outbuf.assign(outbuf, outbuf_len);
        if (outs) result->outs.assign(outs, outs_len);
        if (outbuf) rados_buffer_free(outbuf);
        if (outs) rados_buffer_free(outs);
        *detail = result->outs;
        return rc < 0 ? rc : 0;
      },
      [result](Napi::Env env) {
        auto out = Napi::Object::New(env);
        out.Set("outs", Napi::String::New(env, result->outs));
        out.Set("outbuf", Napi::Buffer<char>::Copy(env, result->outbuf.data(), result->outbuf.size()));
        return out;
      },
      detail);
}

}  // namespace

void InitConnection(Napi::Env env, Napi::Object exports) {
  exports.Set("connect", Napi::Function::New(env, Connect, "connect"));
  exports.Set("clusterClose", Napi::Function::New(env, ClusterClose, "clusterClose"));
  exports.Set("clusterFsid", Napi::Function::New(env, ClusterFsid, "clusterFsid"));
  exports.Set("waitForLatestOsdmap", Napi::Function::New(env, WaitForLatestOsdmap, "waitForLatestOsdmap"));
  exports.Set("monCommand", Napi::Function::New(env, Command<false>, "monCommand"));
  exports.Set("mgrCommand", Napi::Function::New(env, Command<true>, "mgrCommand"));
}

}  // namespace ceph_native
