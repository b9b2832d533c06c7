/*
 * streamhost_version.h — the one definition of streamhost's version.
 *
 * The host reads it (`streamhost --version`, HostAPI.hostVersion, which
 * plugins see as sh_host_api.host_version) and so do the first-party C
 * plugins (STREAMHOST_FIRST_PARTY_VERSION in Plugins/common), which ship
 * with the host and carry its version. Not part of the plugin ABI: a
 * plugin learns the version of the host it runs on from host_version.
 */
#ifndef STREAMHOST_VERSION_H
#define STREAMHOST_VERSION_H

#define STREAMHOST_VERSION "0.1.0"

#endif
