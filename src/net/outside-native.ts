// The netlink package calls back into JavaScript from C++ built with
// exceptions: an error thrown there, or by any process.nextTick callback that
// runs before the call returns, becomes a C++ exception that aborts the
// process (no stack trace, no 'uncaughtException'). Work that starts from its
// callbacks is moved to Node's own immediate queue, where an error is an
// ordinary uncaught exception with its stack.

/** A listener that runs fn from the immediate queue, in the order calls came. */
export function outsideNative<A extends unknown[]>(fn: (...args: A) => void): (...args: A) => void {
  return (...args) => { setImmediate(fn, ...args); };
}

/** Resolves from the immediate queue: awaited after a netlink reply, the rest of the caller runs outside the package's callback. */
export function leaveNativeCallback(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
