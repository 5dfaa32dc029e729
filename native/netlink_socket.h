#pragma once
#include <napi.h>

namespace lvsd {
void InitNetlinkSocket(Napi::Env env, Napi::Object exports);
}
