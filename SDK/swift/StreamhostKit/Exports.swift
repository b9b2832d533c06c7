// The C types of the ABI (sh_record, sh_batch, sh_host_api...) are part of
// the kit's API: a plugin written with the kit imports StreamhostKit alone.
@_exported import StreamhostABI
// JSON text (JSONSyntaxError, JSONFieldPath, the scanner) comes from
// JSONText, the one module every JSON reader in streamhost shares.
@_exported import JSONText
