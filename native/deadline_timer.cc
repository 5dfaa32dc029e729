// Timers for VRRP's master-down and advertisement intervals. libuv timers
// count whole milliseconds from a loop time cached at the start of each
// iteration, so they fire up to a couple of milliseconds off; a timerfd
// armed at an absolute deadline on the monotonic clock (the clock of
// process.hrtime()) wakes the loop when the deadline is reached.
#include "deadline_timer.h"

#include <cerrno>
#include <cmath>
#include <cstdint>
#include <memory>
#include <sys/timerfd.h>
#include <unistd.h>
#include <uv.h>

#include "errors.h"
#include "read_poll.h"

namespace lvsd {
namespace {

class DeadlineTimer : public Napi::ObjectWrap<DeadlineTimer> {
 public:
  static Napi::Function Define(Napi::Env env) {
    return DefineClass(env, "DeadlineTimer", {
      InstanceMethod<&DeadlineTimer::Arm>("arm"),
      InstanceMethod<&DeadlineTimer::Cancel>("cancel"),
      InstanceMethod<&DeadlineTimer::Close>("close"),
    });
  }

  // new DeadlineTimer(onFire)
  explicit DeadlineTimer(const Napi::CallbackInfo& info) : Napi::ObjectWrap<DeadlineTimer>(info) {
    Napi::Env env = info.Env();
    if (info.Length() < 1 || !info[0].IsFunction()) {
      ThrowTypeError(env, "new DeadlineTimer(onFire: Function)");
      return;
    }
    fd_ = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
    if (fd_ < 0) {
      ThrowSystemError(env, "timerfd_create", errno, ErrorContext{});
      return;
    }
    const char* failedCall = nullptr;
    if (int err = StartReadPolling(env, fd_, this, OnReadable, &poll_, &failedCall)) {
      Release();
      ThrowSystemError(env, failedCall, err, ErrorContext{});
      return;
    }
    // Like an unarmed setTimeout: nothing to wait for keeps no process alive.
    uv_unref(reinterpret_cast<uv_handle_t*>(poll_));
    onFire_ = Napi::Persistent(info[0].As<Napi::Function>());
    async_ = std::make_unique<Napi::AsyncContext>(env, "DeadlineTimer");
    napi_add_env_cleanup_hook(env, OnEnvironmentCleanup, this);
    cleanupHookAdded_ = true;
  }

  ~DeadlineTimer() override { Release(); }

 private:
  // arm(deadlineUs): fires once at that time on the monotonic clock (at once
  // if it has passed); replaces any earlier deadline.
  Napi::Value Arm(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    if (info.Length() < 1 || !info[0].IsNumber()) return ThrowTypeError(env, "DeadlineTimer.arm(deadlineUs: number)");
    double deadlineUs = info[0].As<Napi::Number>().DoubleValue();
    if (!std::isfinite(deadlineUs)) return ThrowTypeError(env, "DeadlineTimer.arm: deadline must be a finite number");
    if (fd_ < 0) return ThrowSystemError(env, "timerfd_settime", EBADF, ErrorContext{});
    // A zero it_value would disarm: the earliest time that still arms is 1 ns.
    int64_t ns = deadlineUs < 0.001 ? 1 : static_cast<int64_t>(deadlineUs * 1000.0);
    itimerspec spec{};
    spec.it_value.tv_sec = static_cast<time_t>(ns / 1000000000);
    spec.it_value.tv_nsec = static_cast<long>(ns % 1000000000);
    if (timerfd_settime(fd_, TFD_TIMER_ABSTIME, &spec, nullptr) < 0) return ThrowSystemError(env, "timerfd_settime", errno, ErrorContext{});
    uv_ref(reinterpret_cast<uv_handle_t*>(poll_));
    return env.Undefined();
  }

  Napi::Value Cancel(const Napi::CallbackInfo& info) {
    Disarm();
    return info.Env().Undefined();
  }

  Napi::Value Close(const Napi::CallbackInfo& info) {
    Release();
    return info.Env().Undefined();
  }

  void Disarm() {
    if (fd_ < 0) return;
    itimerspec off{};
    timerfd_settime(fd_, 0, &off, nullptr);
    uint64_t expirations = 0;
    // A deadline that passed but was not yet handled must not fire later.
    while (read(fd_, &expirations, sizeof(expirations)) < 0 && errno == EINTR) {}
    uv_unref(reinterpret_cast<uv_handle_t*>(poll_));
  }

  static void OnReadable(uv_poll_t* handle, int status, int) {
    auto* self = static_cast<DeadlineTimer*>(handle->data);
    if (self == nullptr) return;
    uint64_t expirations = 0;
    ssize_t got = read(self->fd_, &expirations, sizeof(expirations));
    // Nothing to read: cancelled or re-armed between readiness and now.
    if (status < 0 || got != sizeof(expirations)) return;
    uv_unref(reinterpret_cast<uv_handle_t*>(handle));
    Napi::Env env = self->Env();
    Napi::HandleScope scope(env);
    self->onFire_.Value().MakeCallback(self->Value(), {}, *self->async_);
    if (env.IsExceptionPending()) napi_fatal_exception(env, env.GetAndClearPendingException().Value());
  }

  static void OnEnvironmentCleanup(void* self) {
    auto* timer = static_cast<DeadlineTimer*>(self);
    timer->cleanupHookAdded_ = false;
    timer->Release();
  }

  // Idempotent: stops polling, closes the descriptor, drops the callback.
  void Release() {
    if (cleanupHookAdded_) {
      napi_remove_env_cleanup_hook(Env(), OnEnvironmentCleanup, this);
      cleanupHookAdded_ = false;
    }
    StopReadPolling(&poll_);
    if (fd_ >= 0) close(fd_);
    fd_ = -1;
    onFire_.Reset();
  }

  int fd_ = -1;
  uv_poll_t* poll_ = nullptr;
  bool cleanupHookAdded_ = false;
  Napi::FunctionReference onFire_;
  std::unique_ptr<Napi::AsyncContext> async_;
};

}  // namespace

void InitDeadlineTimer(Napi::Env env, Napi::Object exports) {
  exports.Set("DeadlineTimer", DeadlineTimer::Define(env));
}

}  // namespace lvsd
