{
  "targets": [
    {
      "target_name": "ceph_native",
      "sources": [
        "src/addon.cc",
        "src/errors.cc",
        "src/connection.cc",
        "src/ioctx.cc",
        "src/image.cc",
        "src/open.cc",
        "src/snapshot.cc",
        "src/trash.cc",
        "src/clone.cc",
        "src/watchers.cc",
        "src/metadata.cc",
        "src/objects.cc",
        "src/cls.cc",
        "src/mirror.cc",
        "src/imageio.cc",
        "src/header.cc", "src/aio.cc", "src/removal.cc", "src/threadpool.cc"
      ],
      "include_dirs": ["<!@(node -p \"require('node-addon-api').include\")"],
      "defines": ["NAPI_VERSION=8", "NAPI_CPP_EXCEPTIONS"],
      "cflags!": ["-fno-exceptions"],
      "cflags_cc!": ["-fno-exceptions", "-fno-rtti"],
      "cflags_cc": ["-std=c++17", "-fexceptions", "-Wall", "-Wextra", "-Wno-unused-parameter"],
      "libraries": ["-lrados", "-lrbd"]
    }
  ]
}
