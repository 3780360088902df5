// Anchors the shared precompiled torch header (cmake/layers.cmake).
