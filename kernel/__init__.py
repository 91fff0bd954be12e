"""The shared kernel: settings, the error tree and the domain objects every package uses."""
