#pragma once
#include <napi.h>

namespace lvsd {
void InitFileLock(Napi::Env env, Napi::Object exports);
}
