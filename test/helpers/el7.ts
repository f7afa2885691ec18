// What an EL7 node offers the packages, for the tests whose yum/dnf client stands in for one.

/** What EL7's glibc 2.17 provides to rpm for the libraries a cgo Go binary links (the kubelet links with cgo). */
export const EL7_GLIBC_PROVIDES = [
  'rtld(GNU_HASH)',
  ...['libc.so.6', 'libdl.so.2', 'libpthread.so.0', 'librt.so.1', 'libresolv.so.2', 'libm.so.6'].flatMap((lib) => [
    `${lib}()(64bit)`,
    ...['2.2.5', '2.2.6', '2.3', '2.3.2', '2.3.3', '2.3.4', '2.4', '2.5', '2.6', '2.7', '2.8', '2.9']
      .concat(['2.10', '2.11', '2.12', '2.13', '2.14', '2.15', '2.16', '2.17'])
      .map((v) => `${lib}(GLIBC_${v})(64bit)`),
  ]),
];
