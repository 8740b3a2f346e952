// RBD mirroring: pool mode and site name, bootstrap peers, per-image enable/disable, promote/demote,
// info and status, mirror snapshots. One librbd call per operation; TypeScript checks the arguments.
#include <cerrno>
#include <cstring>

#include "image.h"

namespace ceph_native {

namespace {

// Takes a string librbd allocated (may be null).
std::string Take(const char* s) { return s ? std::string(s) : std::string(); }

// mirrorModeGet(ioctx) -> 0 disabled, 1 image, 2 pool
Napi::Value MirrorModeGet(const Napi::CallbackInfo& info) {
  auto ioctx = UnwrapIoCtx(info[0]);
  auto mode = std::make_shared<rbd_mirror_mode_t>(RBD_MIRROR_MODE_DISABLED);
  return Queue(
      info.Env(), "get mirror mode", {ioctx}, [ioctx, mode] { return rbd_mirror_mode_get(ioctx->raw(), mode.get()); },
      [mode](Napi::Env env) { return Napi::Number::New(env, static_cast<int>(*mode)); });
}

Napi::Value MirrorModeSet(const Napi::CallbackInfo& info) {
  auto ioctx = UnwrapIoCtx(info[0]);
  auto mode = static_cast<rbd_mirror_mode_t>(U64Arg(info, 1, "mode"));
  return Queue(info.Env(), "set mirror mode", {ioctx}, [ioctx, mode] { return rbd_mirror_mode_set(ioctx->raw(), mode); });
}

// mirrorSiteNameGet(cluster) -> string (the fsid until one is set)
Napi::Value MirrorSiteNameGet(const Napi::CallbackInfo& info) {
  auto cluster = UnwrapCluster(info[0]);
  auto name = std::make_shared<std::string>();
  return Queue(
      info.Env(), "get mirror site name", {cluster},
      [cluster, name] {
        return ReadGrowing(name.get(), 64, [&cluster](char* buf, size_t len) {
          size_t max = len;
          int rc = rbd_mirror_site_name_get(cluster->raw(), buf, &max);
          return rc;
        });
      },
      [name](Napi::Env env) { return Napi::String::New(env, *name); });
}

Napi::Value MirrorSiteNameSet(const Napi::CallbackInfo& info) {
  auto cluster = UnwrapCluster(info[0]);
  auto name = StringArg(info, 1, "name");
  return Queue(info.Env(), "set mirror site name", {cluster},
               [cluster, name] { return rbd_mirror_site_name_set(cluster->raw(), name.c_str()); });
}

// mirrorPeerBootstrapCreate(ioctx) -> Buffer. The token holds a cephx key: it goes back as bytes,
// never into an error or log.
Napi::Value MirrorPeerBootstrapCreate(const Napi::CallbackInfo& info) {
  auto ioctx = UnwrapIoCtx(info[0]);
  auto token = std::make_shared<std::string>();
  return Queue(
      info.Env(), "create mirror bootstrap token", {ioctx},
      [ioctx, token] {
        return ReadGrowing(token.get(), 1024, [&ioctx](char* buf, size_t len) {
          size_t max = len;
          return rbd_mirror_peer_bootstrap_create(ioctx->raw(), buf, &max);
        });
      },
      [token](Napi::Env env) {
        auto out = Napi::Buffer<char>::Copy(env, token->data(), token->size());
        std::fill(token->begin(), token->end(), '\0');
        return out;
      });
}

// mirrorPeerBootstrapImport(ioctx, direction, token: Buffer)
Napi::Value MirrorPeerBootstrapImport(const Napi::CallbackInfo& info) {
  auto ioctx = UnwrapIoCtx(info[0]);
  auto direction = static_cast<rbd_mirror_peer_direction_t>(U64Arg(info, 1, "direction"));
  if (!info[2].IsBuffer()) throw Napi::TypeError::New(info.Env(), "token: Buffer expected");
  auto buf = info[2].As<Napi::Buffer<char>>();
  auto token = std::make_shared<std::string>(buf.Data(), buf.Length());
  return Queue(info.Env(), "import mirror bootstrap token", {ioctx}, [ioctx, direction, token] {
    int rc = rbd_mirror_peer_bootstrap_import(ioctx->raw(), direction, token->c_str());
    std::fill(token->begin(), token->end(), '\0');
    return rc;
  });
}

struct PeerSite {
  std::string uuid, site_name, mirror_uuid, client_name;
  int direction = 0;
  int64_t last_seen = 0;
};

// mirrorPeerSiteList(ioctx) -> [{uuid, direction, siteName, mirrorUuid, clientName, lastSeen}]
Napi::Value MirrorPeerSiteList(const Napi::CallbackInfo& info) {
  auto ioctx = UnwrapIoCtx(info[0]);
  auto peers = std::make_shared<std::vector<PeerSite>>();
  return Queue(
      info.Env(), "list mirror peers", {ioctx},
      [ioctx, peers]() -> int {
        int max = 8;
        for (int attempt = 0; attempt < 8; ++attempt) {
          std::vector<rbd_mirror_peer_site_t> sites(max);
          int n = max;
          int rc = rbd_mirror_peer_site_list(ioctx->raw(), sites.data(), &n);
          if (rc == -ERANGE) {
            max = n > max ? n : max * 2;
            continue;
          }
          if (rc < 0) return rc;
          for (int i = 0; i < n; ++i) {
            peers->push_back({Take(sites[i].uuid), Take(sites[i].site_name), Take(sites[i].mirror_uuid),
                              Take(sites[i].client_name), static_cast<int>(sites[i].direction),
                              static_cast<int64_t>(sites[i].last_seen)});
          }
          rbd_mirror_peer_site_list_cleanup(sites.data(), n);
          return 0;
        }
        return -ERANGE;
      },
      [peers](Napi::Env env) {
        auto arr = Napi::Array::New(env, peers->size());
        for (uint32_t i = 0; i < peers->size(); ++i) {
          const auto& p = (*peers)[i];
          auto o = Napi::Object::New(env);
          o.Set("uuid", p.uuid);
          o.Set("direction", p.direction);
          o.Set("siteName", p.site_name);
          o.Set("mirrorUuid", p.mirror_uuid);
          o.Set("clientName", p.client_name);
          o.Set("lastSeen", Napi::Number::New(env, static_cast<double>(p.last_seen)));
          arr.Set(i, o);
        }
        return arr;
      });
}

Napi::Value MirrorPeerSiteRemove(const Napi::CallbackInfo& info) {
  auto ioctx = UnwrapIoCtx(info[0]);
  auto uuid = StringArg(info, 1, "uuid");
  return Queue(info.Env(), "remove mirror peer", {ioctx},
               [ioctx, uuid] { return rbd_mirror_peer_site_remove(ioctx->raw(), uuid.c_str()); });
}

// mirrorImageEnable(image, mode: 0 journal, 1 snapshot)
Napi::Value MirrorImageEnable(const Napi::CallbackInfo& info) {
  auto image = UnwrapImage(info[0]);
  auto mode = static_cast<rbd_mirror_image_mode_t>(U64Arg(info, 1, "mode"));
  return Queue(info.Env(), "enable image mirroring", {image},
               [image, mode] { return rbd_mirror_image_enable2(image->raw(), mode); });
}

Napi::Value MirrorImageDisable(const Napi::CallbackInfo& info) {
  auto image = UnwrapImage(info[0]);
  bool force = BoolArg(info, 1);
  return Queue(info.Env(), "disable image mirroring", {image},
               [image, force] { return rbd_mirror_image_disable(image->raw(), force); });
}

Napi::Value MirrorImagePromote(const Napi::CallbackInfo& info) {
  auto image = UnwrapImage(info[0]);
  bool force = BoolArg(info, 1);
  return Queue(info.Env(), "promote image", {image},
               [image, force] { return rbd_mirror_image_promote(image->raw(), force); });
}

Napi::Value MirrorImageDemote(const Napi::CallbackInfo& info) {
  auto image = UnwrapImage(info[0]);
  return Queue(info.Env(), "demote image", {image}, [image] { return rbd_mirror_image_demote(image->raw()); });
}

struct MirrorInfo {
  std::string global_id;
  int state = RBD_MIRROR_IMAGE_DISABLED;
  bool primary = false;
  int mode = -1;  // -1: not enabled, so librbd has no mode to report
};

Napi::Object MirrorInfoToJs(Napi::Env env, const MirrorInfo& m) {
  auto o = Napi::Object::New(env);
  o.Set("globalId", m.global_id);
  o.Set("state", m.state);
  o.Set("primary", m.primary);
  if (m.mode >= 0) o.Set("mode", m.mode);
  return o;
}

// mirrorImageGetInfo(image) -> {globalId, state: 0 disabling|1 enabled|2 disabled, primary, mode?}
Napi::Value MirrorImageGetInfo(const Napi::CallbackInfo& info) {
  auto image = UnwrapImage(info[0]);
  auto out = std::make_shared<MirrorInfo>();
  return Queue(
      info.Env(), "get image mirror info", {image},
      [image, out]() -> int {
        rbd_mirror_image_info_t mi{};
        int rc = rbd_mirror_image_get_info(image->raw(), &mi, sizeof(mi));
        if (rc < 0) return rc;
        out->global_id = Take(mi.global_id);
        out->state = static_cast<int>(mi.state);
        out->primary = mi.primary;
        rbd_mirror_image_get_info_cleanup(&mi);
        if (out->state == RBD_MIRROR_IMAGE_ENABLED) {
          rbd_mirror_image_mode_t mode;
          rc = rbd_mirror_image_get_mode(image->raw(), &mode);
          if (rc < 0) return rc;
          out->mode = static_cast<int>(mode);
        }
        return 0;
      },
      [out](Napi::Env env) { return MirrorInfoToJs(env, *out); });
}

struct SiteStatus {
  std::string mirror_uuid, description;
  int state = 0;
  int64_t last_update = 0;
  bool up = false;
};

// mirrorImageGetGlobalStatus(image) -> {name, info, siteStatuses: [{mirrorUuid, state, description, lastUpdate, up}]}
// The local site's entry has mirrorUuid "" (as librbd reports it).
Napi::Value MirrorImageGetGlobalStatus(const Napi::CallbackInfo& info) {
  auto image = UnwrapImage(info[0]);
  auto name = std::make_shared<std::string>();
  auto minfo = std::make_shared<MirrorInfo>();
  auto sites = std::make_shared<std::vector<SiteStatus>>();
  return Queue(
      info.Env(), "get image mirror status", {image},
      [image, name, minfo, sites]() -> int {
        rbd_mirror_image_global_status_t st{};
        int rc = rbd_mirror_image_get_global_status(image->raw(), &st, sizeof(st));
        if (rc < 0) return rc;
        *name = Take(st.name);
        minfo->global_id = Take(st.info.global_id);
        minfo->state = static_cast<int>(st.info.state);
        minfo->primary = st.info.primary;
        for (uint32_t i = 0; i < st.site_statuses_count; ++i) {
          const auto& s = st.site_statuses[i];
          sites->push_back({Take(s.mirror_uuid), Take(s.description), static_cast<int>(s.state),
                            static_cast<int64_t>(s.last_update), s.up});
        }
        rbd_mirror_image_global_status_cleanup(&st);
        return 0;
      },
      [name, minfo, sites](Napi::Env env) {
        auto o = Napi::Object::New(env);
        o.Set("name", *name);
        o.Set("info", MirrorInfoToJs(env, *minfo));
        auto arr = Napi::Array::New(env, sites->size());
        for (uint32_t i = 0; i < sites->size(); ++i) {
          const auto& s = (*sites)[i];
          auto so = Napi::Object::New(env);
          so.Set("mirrorUuid", s.mirror_uuid);
          so.Set("state", s.state);
          so.Set("description", s.description);
          so.Set("lastUpdate", Napi::Number::New(env, static_cast<double>(s.last_update)));
          so.Set("up", s.up);
          arr.Set(i, so);
        }
        o.Set("siteStatuses", arr);
        return o;
      });
}

// mirrorImageCreateSnapshot(image) -> snapshot id
Napi::Value MirrorImageCreateSnapshot(const Napi::CallbackInfo& info) {
  auto image = UnwrapImage(info[0]);
  auto snap_id = std::make_shared<uint64_t>(0);
  return Queue(
      info.Env(), "create mirror snapshot", {image},
      [image, snap_id] { return rbd_mirror_image_create_snapshot(image->raw(), snap_id.get()); },
      [snap_id](Napi::Env env) { return NumberU64(env, *snap_id); });
}

}  // namespace

void InitMirror(Napi::Env env, Napi::Object exports) {
  exports.Set("mirrorModeGet", Napi::Function::New(env, MirrorModeGet, "mirrorModeGet"));
  exports.Set("mirrorModeSet", Napi::Function::New(env, MirrorModeSet, "mirrorModeSet"));
  exports.Set("mirrorSiteNameGet", Napi::Function::New(env, MirrorSiteNameGet, "mirrorSiteNameGet"));
  exports.Set("mirrorSiteNameSet", Napi::Function::New(env, MirrorSiteNameSet, "mirrorSiteNameSet"));
  exports.Set("mirrorPeerBootstrapCreate", Napi::Function::New(env, MirrorPeerBootstrapCreate, "mirrorPeerBootstrapCreate"));
  exports.Set("mirrorPeerBootstrapImport", Napi::Function::New(env, MirrorPeerBootstrapImport, "mirrorPeerBootstrapImport"));
  exports.Set("mirrorPeerSiteList", Napi::Function::New(env, MirrorPeerSiteList, "mirrorPeerSiteList"));
  exports.Set("mirrorPeerSiteRemove", Napi::Function::New(env, MirrorPeerSiteRemove, "mirrorPeerSiteRemove"));
  exports.Set("mirrorImageEnable", Napi::Function::New(env, MirrorImageEnable, "mirrorImageEnable"));
  exports.Set("mirrorImageDisable", Napi::Function::New(env, MirrorImageDisable, "mirrorImageDisable"));
  exports.Set("mirrorImagePromote", Napi::Function::New(env, MirrorImagePromote, "mirrorImagePromote"));
  exports.Set("mirrorImageDemote", Napi::Function::New(env, MirrorImageDemote, "mirrorImageDemote"));
  exports.Set("mirrorImageGetInfo", Napi::Function::New(env, MirrorImageGetInfo, "mirrorImageGetInfo"));
  exports.Set("mirrorImageGetGlobalStatus", Napi::Function::New(env, MirrorImageGetGlobalStatus, "mirrorImageGetGlobalStatus"));
  exports.Set("mirrorImageCreateSnapshot", Napi::Function::New(env, MirrorImageCreateSnapshot, "mirrorImageCreateSnapshot"));
}

}  // namespace ceph_native
