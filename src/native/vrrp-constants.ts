// Protocol numbers and groups fixed by RFC 5798.
export const VRRP_PROTOCOL = 112;
export const VRRP_GROUP_IPV4 = '224.0.0.18';
export const VRRP_GROUP_IPV6 = 'ff02::12';
/** VRRP packets are sent with, and only accepted with, this TTL / hop limit. */
export const VRRP_TTL = 255;
