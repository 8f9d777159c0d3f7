#ifndef LECTERN_CTESSERACT_SHIM_H
#define LECTERN_CTESSERACT_SHIM_H
#include <tesseract/capi.h>

// Debian's libtesseract is built with OpenMP. libgomp reads OMP_THREAD_LIMIT when it is loaded, too early for us to
// set it, so the OCR thread limits its own parallel regions to one thread instead: OCR must use the core the ladder
// leaves idle, not fan out over the cores the x264 encoders are using.
void omp_set_num_threads(int);
static inline void lectern_ocr_single_thread(void) { omp_set_num_threads(1); }
#endif
