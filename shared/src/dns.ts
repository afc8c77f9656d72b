const DNS_LABEL = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;

/** True for an RFC 1123 label (a Kubernetes namespace or Service name, one part of a host name). */
export function isDnsLabel(label: string): boolean {
  return DNS_LABEL.test(label);
}

/** True for a DNS name a certificate may carry: RFC 1123 labels, optionally a leading `*.` wildcard. */
export function isDnsName(name: string): boolean {
  if (name.length === 0 || name.length > 253) return false;
  const labels = name.toLowerCase().split('.');
  if (labels[0] === '*' && labels.length > 1) labels.shift();
  return labels.every((label) => DNS_LABEL.test(label));
}
