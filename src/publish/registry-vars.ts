// The environment variables the image registry's credentials come from (never the command line). Imports
// nothing: publish's --help names them.

export const REGISTRY_USERNAME_VAR = 'NOKMEM_REGISTRY_USERNAME';
export const REGISTRY_PASSWORD_VAR = 'NOKMEM_REGISTRY_PASSWORD';
