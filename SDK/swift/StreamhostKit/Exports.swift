// The C types of the ABI (sh_record, sh_batch, sh_host_api...) are part of
// the kit's API: a plugin written with the kit imports StreamhostKit alone.
@_exported import StreamhostABI
