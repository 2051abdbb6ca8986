// Files that usually hold credentials rather than code. The index leaves them out by default, so their contents
// can never reach a prompt, a citation or a remote engine. Gitignore syntax; a `!pattern` in the user's excludes
// (`unisparse.exclude`, or IndexOptions.excludes) brings one back, and `secretFiles: []` turns the list off.

/** The default secret-bearing file patterns (documented in README under "Privacy"). */
export const SECRET_FILE_PATTERNS: readonly string[] = [
  // Environment files (the checked-in templates stay: they document names, not values).
  '.env', '.env.*', '*.env', '.envrc', '!.env.example', '!.env.sample', '!.env.template', '!.env.dist',
  // Private keys, certificates and keystores.
  'id_rsa*', 'id_dsa*', 'id_ecdsa*', 'id_ed25519*', '*.pem', '*.key', '*.p8', '*.p12', '*.pfx', '*.ppk', '*.crt',
  '*.cer', '*.der', '*.csr', '*.jks', '*.keystore', '*.truststore', '*.kdbx', '*.gpg', '*.asc', '.ssh/', '.gnupg/',
  // Cloud, cluster and package-manager credentials. (No bare `credentials`: it would also drop source folders of
  // that name, such as an SDK's credential providers; the AWS file is covered by `.aws/`.)
  'credentials.json', '*credentials*.json', 'client_secret*.json', 'service-account*.json',
  '.aws/', '.azure/', '.gcloud/', '.kube/', 'kubeconfig', '.docker/config.json', '.dockercfg', '.netrc', '_netrc',
  '.npmrc', '.yarnrc.yml', '.pypirc', '.gem/credentials', '.git-credentials', '.htpasswd', '*.tfvars',
  'terraform.tfstate*', 'secrets.yml', 'secrets.yaml', 'secrets.json', 'secrets.toml', '.vault-token',
  // Backups and editor copies of configuration files, which keep old secrets after the real file is cleaned.
  '*.bak', '*.orig', '*.old', '*.save', '*.swp', '*.swo', '*~',
];
