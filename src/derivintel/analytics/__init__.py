"""Pure analytics: one subpackage per metric family; snapshot in, ``Result`` out."""
