#pragma once
#include <napi.h>

namespace lvsd {
// Registers the DeadlineTimer class: a timerfd armed at an absolute
// CLOCK_MONOTONIC deadline and polled by libuv.
void InitDeadlineTimer(Napi::Env env, Napi::Object exports);
}
