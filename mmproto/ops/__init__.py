"""Pure-tensor algorithms (no OpenMMLab imports): one equation, one place."""
