#pragma once
#include <napi.h>

namespace lvsd {
void InitNetns(Napi::Env env, Napi::Object exports);
}
