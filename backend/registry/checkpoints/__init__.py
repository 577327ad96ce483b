"""House checkpoints: the QR token a patrol scans, its rotation, QR images and printouts."""
