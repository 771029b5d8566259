from .std_kl_loss import StdKLLoss
