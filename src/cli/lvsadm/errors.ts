// The kernel's answer to a request, in ipvsadm's words (libipvs's
// ipvs_strerror): some errnos read differently depending on the request.

/** The request whose failure is being reported, named after the libipvs call. */
export type Request =
  | 'add-service' | 'edit-service' | 'delete-service' | 'zero' | 'add-server' | 'edit-server'
  | 'delete-server' | 'start-daemon' | 'stop-daemon' | 'list-services' | 'list-servers' | 'get-service'
  | 'flush' | 'set' | 'init' | 'get-timeouts' | 'list-daemons';

const ESRCH = 3;
const ENOENT = 2;
const EEXIST = 17;

const BY_REQUEST: Partial<Record<Request, Record<number, string>>> = {
  'add-service': { [EEXIST]: 'Service already exists', [ENOENT]: 'Scheduler or persistence engine not found' },
  'edit-service': { [ESRCH]: 'No such service', [ENOENT]: 'Scheduler or persistence engine not found' },
  'delete-service': { [ESRCH]: 'No such service' },
  'zero': { [ESRCH]: 'No such service' },
  'add-server': { [ESRCH]: 'Service not defined', [EEXIST]: 'Destination already exists' },
  'edit-server': { [ESRCH]: 'Service not defined', [ENOENT]: 'No such destination' },
  'delete-server': { [ESRCH]: 'Service not defined', [ENOENT]: 'No such destination' },
  'start-daemon': { [EEXIST]: 'Daemon has already run' },
  'stop-daemon': { [ESRCH]: 'No daemon is running' },
  'list-services': { [ESRCH]: 'No such service' },
  'list-servers': { [ESRCH]: 'No such service' },
  'get-service': { [ESRCH]: 'No such service' },
};

const ANY_REQUEST: Record<number, string> = {
  1: 'Permission denied (you must be root)',
  22: 'Invalid operation.  Possibly wrong module version, address not unicast, ...',
  92: 'Protocol not available',
  12: 'Memory allocation problem',
  95: 'Operation not supported with IPv6',
  97: 'Operation not supported with specified address family',
  90: 'Module is wrong version',
};

// glibc's strerror texts for the errnos a netlink request can plausibly return.
const STRERROR: Record<number, string> = {
  1: 'Operation not permitted', 2: 'No such file or directory', 3: 'No such process',
  4: 'Interrupted system call', 5: 'Input/output error', 6: 'No such device or address',
  7: 'Argument list too long', 9: 'Bad file descriptor', 11: 'Resource temporarily unavailable',
  12: 'Cannot allocate memory', 13: 'Permission denied', 14: 'Bad address', 16: 'Device or resource busy',
  17: 'File exists', 19: 'No such device', 22: 'Invalid argument', 23: 'Too many open files in system',
  24: 'Too many open files', 28: 'No space left on device', 34: 'Numerical result out of range',
  38: 'Function not implemented', 61: 'No data available', 62: 'Timer expired', 71: 'Protocol error',
  75: 'Value too large for defined data type', 90: 'Message too long', 92: 'Protocol not available',
  93: 'Protocol not supported', 95: 'Operation not supported', 97: 'Address family not supported by protocol',
  98: 'Address already in use', 99: 'Cannot assign requested address', 100: 'Network is down',
  101: 'Network is unreachable', 105: 'No buffer space available', 110: 'Connection timed out',
  111: 'Connection refused',
};

export function ipvsMessage(request: Request, errno: number): string {
  return BY_REQUEST[request]?.[errno] ?? ANY_REQUEST[errno] ?? STRERROR[errno] ?? `Unknown error ${errno}`;
}
