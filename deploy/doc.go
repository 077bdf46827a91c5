// Package deploy holds the checks of the deployment files at the top of the
// repository — docker-compose.yml, Dockerfile, .dockerignore — and the
// directory file the compose stack mounts (deploy/directory.yaml). No
// Docker engine is needed: the compose file is loaded with the compose
// specification's own loader and the Dockerfile is read as text. See
// docs/OPERATIONS.md.
package deploy
