#pragma once
#include <napi.h>

namespace lvsd {
void InitFifo(Napi::Env env, Napi::Object exports);
}
