// Public surface of the IPVS client.
export * from './types';
export { IpvsClient, type IpvsOp, type IpvsOpResult, type IpvsClientOptions } from './client';
export { IpvsError, IpvsInputError, IpvsProtocolError, IpvsUnavailableError, errnoCode } from './errors';
export { serviceText, realServerText } from './describe';
