{
  "targets": [
    {
      "target_name": "lvsd_native",
      "sources": ["native/addon.cc", "native/deadline_timer.cc", "native/errors.cc", "native/fifo.cc", "native/file_lock.cc", "native/link.cc", "native/netlink_socket.cc", "native/netns.cc", "native/read_poll.cc", "native/vrrp_socket.cc"],
      "include_dirs": ["<!(node -p \"require('node-addon-api').include_dir\")"],
      "defines": ["NAPI_VERSION=8", "NAPI_DISABLE_CPP_EXCEPTIONS"],
      "cflags_cc": ["-std=c++17", "-Wall", "-Wextra"]
    }
  ]
}
