"""The back end for Microkit systems: a checked SDF (sdf/) -> capability layout at
Microkit's fixed slots (plan), setvar patching (setvar), image and loader image
(image, loader), `mkbuild compile|run SYSTEM.system` (compile), the Microkit-shaped
SDK with libmicrokit and bin/microkit (sdk, tool), Microkit's own examples (examples)."""
