/* defaults - data files compiled into the binary as built-in defaults. */
	.section .rodata
	.global cm_default_scores
	.type cm_default_scores, @object
cm_default_scores:
	.incbin "etc/scores.conf"
	.byte 0
	.size cm_default_scores, . - cm_default_scores
	.section .note.GNU-stack,"",@progbits
