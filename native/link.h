#pragma once
#include <napi.h>

#include <string>

namespace lvsd {

// The kernel's own rule for device names (dev_valid_name).
bool ValidInterfaceName(const std::string& name);

// Resolves an interface name in the calling thread's network namespace.
// Returns 0 or an errno value.
int InterfaceIndex(const std::string& name, unsigned* index);

// interfaceInfo(ifname), sendFrame(ifname, frame) and the FrameSender class.
void InitLink(Napi::Env env, Napi::Object exports);

}  // namespace lvsd
